"""One-click unsubscribe tokens: they name one message and only the workspace key can make them."""

import pytest

from outreach.core.unsubscribe_token import MAX_TOKEN_LENGTH, sign, verify

KEY = b"0123456789abcdef0123456789abcdef"


def test_a_token_verifies_to_the_message_id_it_was_made_for():
    assert verify(KEY, sign(KEY, "<abc.1@brand.example>")) == "<abc.1@brand.example>"


def test_the_message_id_may_be_given_with_or_without_angle_brackets():
    assert sign(KEY, "<abc@brand.example>") == sign(KEY, "abc@brand.example")


def test_tokens_are_url_safe_as_they_are():
    token = sign(KEY, "<ünï+/=?&@brand.example>")
    assert all(ch.isalnum() or ch in "-_." for ch in token)
    assert verify(KEY, token) == "<ünï+/=?&@brand.example>"


def test_a_token_made_with_another_key_is_refused():
    assert verify(KEY, sign(b"another key", "<abc@brand.example>")) is None


def test_the_mac_of_one_message_does_not_unlock_another():
    encoded_id, _, mac = sign(KEY, "<abc@brand.example>").partition(".")
    other_id, _, _ = sign(KEY, "<victim@brand.example>").partition(".")
    assert verify(KEY, f"{other_id}.{mac}") is None


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "a.b.c", "é.é", "!!!.???",
                                   "x" * (MAX_TOKEN_LENGTH + 1)])
def test_malformed_tokens_are_refused_without_an_error(token):
    assert verify(KEY, token) is None


def test_an_empty_key_neither_signs_nor_verifies():
    with pytest.raises(ValueError):
        sign(b"", "<abc@brand.example>")
    assert verify(b"", sign(KEY, "<abc@brand.example>")) is None
