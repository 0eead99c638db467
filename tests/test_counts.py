"""Follower counts as typed in different countries (outreach.core.counts): the unambiguous rules and the
per-column decision for the ambiguous ones."""

import pytest

from outreach.core.counts import CountColumn, InvalidCount, read_count


@pytest.mark.parametrize(("typed", "count"), [
    ("1.234", 1_234), ("1,234", 1_234), ("1 234", 1_234), ("1\u00a0234", 1_234), ("1\u202f234", 1_234),
    ("1'234", 1_234), ("1’234", 1_234), ("1.234.567", 1_234_567), ("1,234,567", 1_234_567),
    ("1 234 567", 1_234_567), ("1.234,5k", 1_234_500), ("1,234.5k", 1_234_500),
])
def test_digit_grouping_of_every_convention_reads_as_the_same_whole_number(typed, count):
    assert read_count(typed) == count


@pytest.mark.parametrize(("typed", "count"), [
    ("12,5k", 12_500), ("12.5k", 12_500), ("1,2 Mio.", 1_200_000), ("1,2 Mio", 1_200_000), ("3 M", 3_000_000),
    ("1.2M", 1_200_000), ("0,5M", 500_000), ("2 Mrd.", 2_000_000_000), ("1,5 Tsd.", 1_500), ("12 mila", 12_000),
    ("3 mln", 3_000_000), ("1.25m", 1_250_000), ("7", 7), ("~50k", 50_000), ("12k+", 12_000),
    ("env. 3k", 3_000), ("etwa 2k", 2_000),
])
def test_units_and_decimal_marks_of_every_convention(typed, count):
    assert read_count(typed) == count


@pytest.mark.parametrize("typed", ["lots", "12,", "1.2.3,4,5", "12 parsecs", "1,2,3.4.5"])
def test_what_is_not_a_count_is_refused(typed):
    with pytest.raises(InvalidCount, match="not a number of followers"):
        read_count(typed)


def test_three_digits_after_one_mark_without_a_unit_group_digits_even_where_the_mark_is_decimal():
    column = CountColumn()
    assert [column.read(typed) for typed in ("12,5k", "1,234")] == [12_500, 1_234]
    assert column.consistent


def test_three_digits_after_one_mark_with_a_unit_follow_the_column_decimal_mark():
    assert read_count("1.234k") == 1_234
    assert read_count("1.234k", decimal_mark=",") == 1_234_000
    assert read_count("1,234k", decimal_mark=",") == 1_234


def test_a_column_that_shows_its_convention_late_says_an_earlier_ambiguous_value_must_be_read_again():
    column = CountColumn()
    assert column.read("1.234k", "line 2") == 1_234
    column.read("1.234.567", "line 3")
    assert not column.consistent
    again = CountColumn(fixed=column.decimal_mark)
    assert [again.read("1.234k", "line 2"), again.read("1.234.567", "line 3")] == [1_234_000, 1_234_567]
    assert again.describe() == "',' is this column's decimal mark (e.g. line 3: 1.234.567)"
