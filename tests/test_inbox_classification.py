"""Classifying incoming mail: replies, auto-replies (RFC 3834 and vendor habits), opt-outs, bounces (RFC 3464)."""

import pytest

from outreach.mail.inbox import classify, parse
from tests.test_inbox_replies import bounce_for, incoming


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"X_Autoreply": "yes"}, {"Precedence": "auto_reply"}],
)
def test_automatic_reply_headers_without_an_absence_go_to_a_human(headers):
    found = classify(parse(incoming("bo@example.org", "Re: hi", **headers)))
    assert (found.kind, found.confident) == ("unknown", False)


@pytest.mark.parametrize("subject", ["Out of Office: Bo", "Automatic reply: hi", "Réponse automatique : hi"])
def test_out_of_office_subjects_mean_auto_reply(subject):
    assert classify(parse(incoming("bo@example.org", subject))).kind == "auto_reply"


def test_auto_submitted_no_is_a_human_reply():
    assert classify(parse(incoming("bo@example.org", "Re: hi", Auto_Submitted="no"))).kind == "reply"


def test_unsubscribe_only_in_the_quoted_text_is_not_an_opt_out():
    body = "Yes, happy to join!\n\nOn Mon, Ana wrote:\n> reply unsubscribe to stop"
    assert classify(parse(incoming("bo@example.org", "Re: hi", body=body))).kind == "interested"


def test_asking_to_be_removed_is_an_opt_out():
    assert classify(parse(incoming("bo@example.org", "Re: hi", body="Remove me from your list."))).kind == "unsubscribe"


def test_delivery_status_report_names_the_failed_recipient_and_original_message():
    found = classify(parse(bounce_for("bo@example.org", "<orig-1@brand.example>")))
    assert found.kind == "bounce"
    assert found.bounced == ("bo@example.org",)
    assert "<orig-1@brand.example>" in found.references


def test_delayed_delivery_report_is_not_a_bounce():
    raw = bounce_for("bo@example.org", "<orig-1@brand.example>").replace(b"Action: failed", b"Action: delayed")
    raw = raw.replace(b"Status: 5.1.1", b"Status: 4.4.7")
    assert classify(parse(raw)).kind == "delayed"


def test_reply_carries_the_thread_references_in_order():
    found = classify(parse(incoming("Bo <BO@Example.org>", "Re: hi", in_reply_to="<a@brand.example>")))
    assert found.references == ("<a@brand.example>",)
    assert found.from_address == "bo@example.org"


def test_unsubscribe_subject_with_auto_submitted_header_is_an_opt_out():
    message = incoming("bo@example.org", "unsubscribe", body="", Auto_Submitted="auto-generated")
    assert classify(parse(message)).kind == "unsubscribe"


def test_opt_out_body_from_an_auto_submitting_client_is_an_opt_out():
    message = incoming("bo@example.org", "Re: hi", body="Please stop emailing me.", Precedence="bulk")
    assert classify(parse(message)).kind == "unsubscribe"
