"""The README's HTTP API table is the served API: generated from the action table, checked both ways."""

import re
from pathlib import Path

from livekit.control.actions import ACTIONS
from livekit.web import create_app
from livekit.web.api_table import api_table

README = Path(__file__).resolve().parent.parent / "README.md"
TABLE = re.compile(r"<!-- api-table:[^\n]*-->\n(.*?)<!-- /api-table -->", re.DOTALL)
ROUTE_IN_ROW = re.compile(r"`(GET|POST|PATCH|DELETE|PUT) (/api/[^`]*)`")
ACTION_IN_ROW = re.compile(r"^\| [^|]* \| `([a-z_]+\.[a-z_-]+)` \|", re.MULTILINE)
#: JSON 404s that name the choices when a button's URL has a misspelt action; not API of their own.
FALLBACKS = {("POST", "/api/show/{action}"), ("POST", "/api/questions/{id}/{action}")}


def readme_table() -> str:
    match = TABLE.search(README.read_text(encoding="utf-8"))
    assert match, "README.md lost its <!-- api-table --> markers"
    return match.group(1)


def served_routes() -> set[tuple[str, str]]:
    app = create_app(object(), "docs-test-token-0123456789")  # type: ignore[arg-type]
    routes = {(route.method, route.resource.canonical) for route in app.router.routes()
              if route.resource and route.method != "HEAD"}  # aiohttp adds HEAD to every GET
    return {route for route in routes if route[1].startswith("/api/")} - FALLBACKS


def test_the_readme_api_table_is_the_generated_one():
    assert readme_table() == api_table(), "run: python -m livekit.web.api_table, and paste it into README.md"


def test_every_served_api_route_is_in_the_readme_table_and_nothing_else():
    assert set(ROUTE_IN_ROW.findall(readme_table())) == served_routes()


def test_every_action_of_the_table_is_in_the_readme_table_and_nothing_else():
    assert ACTION_IN_ROW.findall(readme_table()) == [action.name for action in ACTIONS]
