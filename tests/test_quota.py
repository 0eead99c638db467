"""The one platform quota store both tools spend from (greenroom.quota): Pacific quota days, a ledger that
starts again each day, and a shared table that refuses what would go over the daily limit."""

from datetime import UTC, datetime

import pytest

from greenroom.db import open_database
from greenroom.quota import QuotaExceeded, QuotaLedger, QuotaStore, ms_until_quota_reset, quota_day


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def store():
    return QuotaStore(open_database(":memory:"))


def test_the_quota_day_turns_at_midnight_pacific():
    assert quota_day(ms("2026-03-10T07:59:59")) == "2026-03-09"
    assert quota_day(ms("2026-03-10T08:00:00")) == "2026-03-10"
    assert ms_until_quota_reset(ms("2026-03-10T07:59:00")) == 60_000


def test_the_ledger_starts_again_on_a_new_quota_day():
    ledger = QuotaLedger(quota_day(ms("2026-03-10T07:00:00")))
    ledger.charge("liveBroadcasts.insert", 50, ms("2026-03-10T07:00:00"))
    assert ledger.used == 50
    ledger.charge("liveChatMessages.list", 5, ms("2026-03-10T09:00:00"))
    assert (ledger.used, ledger.remaining(), ledger.calls) == (5, 9_995, {"liveChatMessages.list": 1})


def test_units_added_by_two_writers_count_once_each_in_the_same_day(store):
    day = quota_day(ms("2026-03-10T12:00:00"))
    store.add(day, 50)
    store.add(day, 5)
    assert store.used(day) == 55
    assert store.used("2026-03-11") == 0


def test_a_ledger_starts_from_what_every_process_spent_today(store):
    now = ms("2026-03-10T12:00:00")
    store.add(quota_day(now), 120)
    assert store.ledger(now, daily_limit=1_000).remaining() == 880


def test_spending_within_the_limit_sees_units_spent_elsewhere_and_refuses_going_over(store):
    now = ms("2026-03-10T12:00:00")
    ledger = store.ledger(now, daily_limit=100)
    store.spend_within_limit(ledger, "search.list", 60, now)
    store.add(quota_day(now), 30)  # the live show spent some meanwhile
    with pytest.raises(QuotaExceeded, match="would be exceeded by search.list .60 units, 10 of 100 left"):
        store.spend_within_limit(ledger, "search.list", 60, now)
    assert store.used(quota_day(now)) == 90


def test_the_quota_table_is_created_by_greenroom_s_own_migration_set():
    db = open_database(":memory:")
    applied = {row[0] for row in db.execute("SELECT migration_set FROM _sqlite_migrations")}
    assert "greenroom" in applied
    assert "platform_quota" in db.table_names()
