"""The two "now"s: epoch milliseconds for shows, aware UTC datetimes for outreach, and they agree."""

from datetime import UTC

from greenroom.clock import utc_now, wall_clock_ms
from livekit.core.clock import SystemClock


def test_utc_now_is_timezone_aware_utc():
    assert utc_now().tzinfo is UTC


def test_both_clocks_read_the_same_wall_time():
    before = wall_clock_ms()
    moment = utc_now()
    after = wall_clock_ms()
    assert before // 1000 <= int(moment.timestamp()) <= after // 1000 + 1


def test_the_show_cores_system_clock_reads_the_wall_clock():
    before = wall_clock_ms()
    assert before <= SystemClock().now_ms() <= wall_clock_ms()
