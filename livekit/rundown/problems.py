"""Rundown problems: the shared ``file:line: message`` reporting of :mod:`greenroom.problems`."""

from __future__ import annotations

from greenroom.problems import Problem, Problems, ProblemsError, did_you_mean

__all__ = ["Problem", "Problems", "RundownError", "did_you_mean"]


class RundownError(ProblemsError):
    """A rundown that cannot be used; carries every problem found, not just the first."""
