"""Find the default templates shipped with Greenroom, from a checkout or from an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """The wheel carries ``templates/`` inside the package; a checkout keeps it at the top level."""
    for candidate in (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("Greenroom's default templates are missing from this installation")

