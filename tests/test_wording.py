"""Counted nouns in livekit output agree with their number."""

import pytest

from livekit.core.wording import counted


@pytest.mark.parametrize(("count", "text"), [(0, "0 segments"), (1, "1 segment"), (2, "2 segments")])
def test_one_segment_is_singular_every_other_count_plural(count, text):
    assert counted(count, "segment") == text


def test_an_irregular_plural_can_be_given():
    assert counted(3, "person", "people") == "3 people"
