"""The after-show report's HTML in real Chromium: opens from disk with no console error and nothing fetched,
the chart area is not blank, and it reads at 1280 px and on a phone."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from livekit.core import FakeClock
from livekit.report import build_report, report_html
from livekit.report_chart import viewers_chart_png
from livekit.report_data import audience_samples
from livekit.storage.shows import ShowStore
from tests.fixtures.browser import BROWSER_TESTS
from tests.helpers import open_offline_page
from tests.test_report_audience import CURVE, RUNDOWN, T0, record_samples, run_show

pytestmark = BROWSER_TESTS


@pytest.fixture
def report_page(workspace, tmp_path):
    db = workspace.database()
    show_id = run_show(db, FakeClock(T0), RUNDOWN)
    record_samples(db, show_id, T0, CURVE)
    report = build_report(ShowStore(db).load_show(show_id, journal=False), samples=audience_samples(db, show_id))
    page = tmp_path / "report.html"
    page.write_text(report_html(report, chart_png=viewers_chart_png(report)), encoding="utf-8")
    return page


async def test_the_report_opens_from_disk_without_console_errors_or_network(browser, report_page):
    context, page, problems, requests = await open_offline_page(browser, report_page, 1280)
    try:
        assert await page.evaluate("document.querySelector('#chart img').naturalWidth") == 1000
        assert (problems, requests) == ([], [])
    finally:
        await context.close()


async def test_the_chart_area_is_not_blank(browser, report_page):
    context, page, _, _ = await open_offline_page(browser, report_page, 1280)
    try:
        shot = Image.open(io.BytesIO(await page.locator("#chart img").screenshot())).convert("RGB")
        colours = shot.getcolors(maxcolors=1_000_000)
        assert shot.width > 600 and len(colours) > 50
        assert max(count for count, _ in colours) < 0.9 * shot.width * shot.height
    finally:
        await context.close()


@pytest.mark.parametrize("width", [1280, 375])
async def test_the_page_fits_the_screen_width(browser, report_page, width):
    context, page, _, _ = await open_offline_page(browser, report_page, width)
    try:
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        chart_width = await page.evaluate("document.querySelector('#chart img').getBoundingClientRect().width")
        assert 0 < chart_width <= width
    finally:
        await context.close()
