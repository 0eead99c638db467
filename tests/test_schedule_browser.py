"""A scheduled show's countdown and expected end in real Chromium, on the server-synced clock."""

from __future__ import annotations

from types import SimpleNamespace

import pytest_asyncio

from greenroom.clock import wall_clock_ms
from greenroom.db import open_database
from livekit.core.schedule import ShowPlan, local_time
from livekit.web import create_app, serve
from tests.fixtures.browser import BROWSER_TESTS
from tests.fixtures.live_show import live_show_runner, sample_rundown

pytestmark = BROWSER_TESTS

TOKEN = "browser-test-token-0123456789"
#: A zone far from the browser's (UTC here), so a clock time shown in the wrong zone cannot pass.
ZONE = "Asia/Tokyo"
TOTAL_MS = sample_rundown().planned_total_ms


@pytest_asyncio.fixture(loop_scope="session")
async def scheduled_web(workspace):
    """The web app over a runner whose show is planned to start in just over two minutes, hard out in 30."""
    start = wall_clock_ms() + 121_500
    plan = ShowPlan(start, start + TOTAL_MS, ZONE, hard_out_ms=start + 30 * 60_000)
    db = open_database(workspace.database_path)
    served = await serve(create_app(live_show_runner(db, schedule=plan, schedule_key="k"), TOKEN), "127.0.0.1", 0)
    yield SimpleNamespace(url=served.url, plan=plan)
    await served.close()
    db.conn.close()


def text_is(element_id: str, text: str) -> str:
    return f"() => document.getElementById({element_id!r}).textContent === {text!r}"


async def test_the_presenter_counts_down_to_the_planned_start(browser_context, scheduled_web):
    presenter = await browser_context.new_page()
    await presenter.goto(f"{scheduled_web.url}/presenter")
    await presenter.wait_for_function(text_is("countdown", "Starting in 2:00"), timeout=5000)


async def test_the_overlay_counts_down_to_the_planned_start(browser_context, scheduled_web):
    overlay = await browser_context.new_page()
    await overlay.goto(f"{scheduled_web.url}/overlay")
    await overlay.wait_for_function(text_is("starting", "Starting in 2:00"), timeout=5000)
    assert await overlay.is_visible("#starting")


async def test_control_shows_the_expected_end_as_a_clock_time_in_the_shows_zone(browser_context, scheduled_web):
    control = await browser_context.new_page()
    await control.goto(f"{scheduled_web.url}/control#token={TOKEN}")
    expected_end = f"{local_time(scheduled_web.plan.starts_at_ms + TOTAL_MS, ZONE):%H:%M}"
    await control.wait_for_function(text_is("expected-end", expected_end))


async def test_control_shows_the_distance_from_the_expected_end_to_the_hard_out(browser_context, scheduled_web):
    control = await browser_context.new_page()
    await control.goto(f"{scheduled_web.url}/control#token={TOKEN}")
    await control.wait_for_selector("#hard-out-row:not([hidden])")
    hard_out = f"{local_time(scheduled_web.plan.hard_out_ms, ZONE):%H:%M}"
    spare = 30 * 60 - TOTAL_MS // 1000
    text = await control.text_content("#hard-out")
    assert text.startswith(f"{hard_out} · in 3")
    assert text.endswith(f" · ends {spare // 60}:{spare % 60:02d} before it")
