"""The report to management in real Chromium: opens from disk with no console error and nothing fetched,
every chart area is drawn (not blank), and the page reads at 1280 px and on a phone (375 px)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from greenroom.goals import Goal, WorkspaceGoals
from management.data import management_data
from management.report import report_html
from tests.fixtures.browser import BROWSER_TESTS
from tests.helpers import open_offline_page
from tests.management_world import NOW, seed_month

pytestmark = BROWSER_TESTS
CHARTS = ("shows", "segments", "campaigns", "pipeline", "benchmark")


@pytest.fixture
def report_page(workspace, tmp_path):
    db = workspace.database()
    seed_month(db)
    data = management_data(db, WorkspaceGoals(30, show=(Goal("avg_viewers", 95),)), until_ms=NOW, days=30)
    page = tmp_path / "management.html"
    page.write_text(report_html(data), encoding="utf-8")
    return page


async def test_the_report_opens_from_disk_without_console_errors_or_network(browser, report_page):
    context, page, problems, requests = await open_offline_page(browser, report_page, 1280)
    try:
        assert await page.locator("svg.chart").count() == len(CHARTS)
        assert (problems, requests) == ([], [])
    finally:
        await context.close()


@pytest.mark.parametrize("section", CHARTS)
async def test_every_chart_area_is_drawn(browser, report_page, section):
    context, page, _, _ = await open_offline_page(browser, report_page, 1280)
    try:
        shot = Image.open(io.BytesIO(await page.locator(f"#{section} svg.chart").screenshot())).convert("RGB")
        colours = shot.getcolors(maxcolors=1_000_000)
        assert shot.width >= 500 and len(colours) > 20
        assert max(count for count, _ in colours) < 0.95 * shot.width * shot.height
    finally:
        await context.close()


@pytest.mark.parametrize("width", [1280, 375])
async def test_the_page_fits_the_screen_width(browser, report_page, width):
    context, page, _, _ = await open_offline_page(browser, report_page, width)
    try:
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        widths = await page.evaluate("[...document.querySelectorAll('svg.chart')]"
                                     ".map(chart => chart.getBoundingClientRect().width)")
        assert all(0 < chart_width <= width for chart_width in widths)
    finally:
        await context.close()


async def test_the_highlights_are_readable_on_a_phone(browser, report_page):
    context, page, _, _ = await open_offline_page(browser, report_page, 375)
    try:
        size = await page.evaluate("parseFloat(getComputedStyle(document.querySelector('.highlights li')).fontSize)")
        assert size >= 14
    finally:
        await context.close()


async def test_chart_labels_are_readable_on_a_phone(browser, report_page):
    context, page, _, _ = await open_offline_page(browser, report_page, 375)
    try:
        heights = await page.evaluate("[...document.querySelectorAll('svg.chart text')]"
                                      ".map(text => text.getBoundingClientRect().height)")
        assert heights and min(heights) >= 11
    finally:
        await context.close()
