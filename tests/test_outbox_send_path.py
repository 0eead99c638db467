"""The per-message shortcuts of the send path give exactly what the general code gives."""

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from outreach.importing import import_file
from outreach.mail.message import Outgoing, build_message, message_bytes
from outreach.storage.influencers import Filter, list_influencers, record_activity, set_fields

SENT_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BASE = dict(from_name="Ana Example", from_address="ana@brand.example", to_name="Bo Fit", to_address="bo@example.org",
            subject="Bo, a live interview?", html=None, message_id="<1@brand.example>", date=SENT_AT,
            physical_address="Example Brand, 1 Main St, Springfield", unsubscribe_url="https://brand.example/u",
            unsubscribe_key=b"test key")


@pytest.mark.parametrize("changes", [
    {"text": "Hi Bo,\n\nA plain ASCII email.\n"},
    {"text": "No final newline"},
    {"text": "Dots\n.\nand From lines\nFrom me\n"},
    {"text": "Windows\r\nand old Mac\rline ends\n"},
    {"text": "Accents: Zoë\n"},
    {"text": "x" * 1200 + "\n"},
    {"text": "Hi\n", "to_name": 'Zoë "Zed", Jr.'},
    {"text": "Hi\n", "references": ("<0@brand.example>",)},
    {"text": "Hi Bo,\n\nA plain ASCII email.\n", "html": "<p>Hi Bo,</p>\n<p>A plain ASCII email.</p>"},
    {"text": "No final newline", "html": "<p>No final newline</p>"},
    {"text": "Windows\r\nand old Mac\rline ends\n", "html": "<p>Windows\r\nline\x0bends</p>"},
    {"text": "Accents: Zoë\n", "html": "<p>Accents: Zoë</p>"},
    {"text": "ASCII text\n", "html": "<p>Accents: Zoë</p>"},
    {"text": "x" * 1200 + "\n", "html": "<p>short</p>"},
    {"text": "short\n", "html": "<p>" + "y" * 1200 + "</p>"},
    {"text": "--===============0000000000000000001==\n", "html": "<p>Hi</p>"},
])
def test_message_bytes_are_what_the_email_package_writes(changes):
    message = build_message(Outgoing(**{**BASE, **changes}))
    assert message_bytes(message) == message.as_bytes()


@pytest.mark.parametrize("changes", [
    {"text": "Hi Bo,\n\nA plain ASCII email.\n", "html": "<p>Hi Bo,</p>\n<p>A plain ASCII email.</p>"},
    {"text": "Form\x0cfeed and\x1cseparators\n", "html": "<p>Form\x0cfeed</p>"},
])
def test_html_emails_have_the_parts_and_headers_set_content_and_add_alternative_give(changes):
    """The direct 7bit build must read back exactly like the email package's own one."""
    outgoing = Outgoing(**{**BASE, **changes})
    ours = message_from_bytes(message_bytes(build_message(outgoing)), policy=policy.default)
    stock = build_message(replace(outgoing, html=None))  # then what build_message used to do
    stock.add_alternative(ours.get_payload()[1].get_content().replace("\r\n", "\n"), subtype="html")
    theirs = message_from_bytes(stock.as_bytes(), policy=policy.default)
    assert [(p.get_content_type(), p.items(), p.get_content()) for p in ours.walk() if not p.is_multipart()] == \
           [(p.get_content_type(), p.items(), p.get_content()) for p in theirs.walk() if not p.is_multipart()]
    assert [k for k, _ in ours.items()] == [k for k, _ in theirs.items()]


def test_recording_an_email_keeps_the_search_index_and_renames_are_still_found(workspace, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("Name,Email,Notes\nBo Fit,bo@example.org,met at GDC\n")
    db = workspace.database()
    import_file(db, people)
    record_activity(db, 1, "emailed", "campaign launch step 1", at=SENT_AT)
    assert [p["name"] for p in list_influencers(db, Filter(search="GDC"))] == ["Bo Fit"]
    set_fields(db, 1, {"name": "Bo Renamed"}, now=SENT_AT)
    assert [p["name"] for p in list_influencers(db, Filter(search="Renamed"))] == ["Bo Renamed"]
    assert list_influencers(db, Filter(search="Fit")) == []
