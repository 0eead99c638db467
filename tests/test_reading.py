"""visible_text: only what the person wrote — no quoted history, no signature, never our own footer."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from outreach.mail.message import Outgoing, build_message, footer_text
from outreach.mail.reading import MAX_VISIBLE_CHARS, html_to_text, visible_text, visible_text_of

OURS = Outgoing(
    from_name="Sam Rivera", from_address="sam@greenroom.example", to_name="Camille Dubois",
    to_address="camille@example.fr", subject="Guest spot on our live show", text="Hi Camille,\n\nWould you join?\n",
    html=None, message_id="<step-1@greenroom.example>", date=datetime(2026, 11, 24, 10, 2, tzinfo=UTC),
    physical_address="Greenroom Studio, 12 Rue de la Scene, 75011 Paris",
)


def _our_email_text() -> str:
    """The text of the email we really send (build_message), footer included."""
    body = build_message(OURS).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _reply(text: str | None = None, html: str | None = None) -> EmailMessage:
    message = EmailMessage(policy=policy.default)
    message["From"] = "Camille Dubois <camille@example.fr>"
    message["Subject"] = "RE: Guest spot on our live show"
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    return message


def _outlook_quote(new_text: str) -> str:
    return (f"{new_text}\n\nFrom: Sam Rivera <sam@greenroom.example>\nSent: Tuesday, November 24, 2026 10:02 AM\n"
            f"To: Camille Dubois <camille@example.fr>\nSubject: Guest spot on our live show\n\n{_our_email_text()}")


def test_our_real_footer_quoted_outlook_style_is_not_the_persons_words() -> None:
    assert visible_text(_reply(_outlook_quote("avec plaisir ! Send me a few dates"))) == \
        "avec plaisir ! Send me a few dates"


def test_our_footer_is_dropped_even_when_the_quote_is_not_recognised() -> None:
    footer = footer_text(OURS).strip()
    assert "unsubscribe" not in visible_text_of(f"Yes please!\n\n{footer}").lower()


def test_gmail_attribution_and_angle_quotes_are_cut() -> None:
    text = "Count me in.\n\nOn Tue, Nov 24, 2026 at 10:02 AM Sam Rivera <sam@greenroom.example> wrote:\n> Would you join?\n"
    assert visible_text_of(text) == "Count me in."


def test_gmail_attribution_wrapped_over_two_lines_is_cut() -> None:
    text = "Count me in.\n\nOn Tue, Nov 24, 2026 at 10:02 AM Sam Rivera <\nsam@greenroom.example> wrote:\n\n> Hi\n"
    assert visible_text_of(text) == "Count me in."


def test_outlook_underscore_separator_is_cut() -> None:
    text = "Yes.\n\n________________________________\nFrom: Sam Rivera\nSent: Tuesday\nTo: Camille\nSubject: Live\n\nold text"
    assert visible_text_of(text) == "Yes."


def test_outlook_original_message_line_is_cut() -> None:
    assert visible_text_of("Sure.\n\n-----Original Message-----\nFrom: Sam\nSent: Tue\n\nold text") == "Sure."


def test_french_outlook_header_block_with_no_break_spaces_is_cut() -> None:
    text = "Avec plaisir.\n\nDe\u00a0: Sam Rivera\nEnvoyé\u00a0: mardi 24 novembre 2026 10:02\nÀ\u00a0: Camille\nObjet\u00a0: Live\n\nold"
    assert visible_text_of(text) == "Avec plaisir."


def test_german_outlook_header_block_is_cut() -> None:
    text = "Gerne.\n\nVon: Sam Rivera\nGesendet: Dienstag, 24. November 2026 10:02\nAn: Jonas\nBetreff: Live\n\nalt"
    assert visible_text_of(text) == "Gerne."


def test_french_attribution_is_cut() -> None:
    assert visible_text_of("Avec plaisir.\n\nLe mar. 24 nov. 2026 à 10:02, Sam <sam@x.example> a écrit :\n> old") == \
        "Avec plaisir."


def test_german_attribution_is_cut() -> None:
    assert visible_text_of("Gerne.\n\nAm 24.11.2026 um 10:02 schrieb Sam <sam@x.example>:\n> alt") == "Gerne."


def test_spanish_attribution_is_cut() -> None:
    assert visible_text_of("Claro.\n\nEl mar, 24 nov 2026 a las 10:02, Sam (<sam@x.example>) escribió:\n> viejo") == \
        "Claro."


def test_italian_attribution_is_cut() -> None:
    text = "Volentieri.\n\nIl giorno mar 24 nov 2026 alle ore 10:02 Sam <sam@x.example> ha scritto:\n> vecchio"
    assert visible_text_of(text) == "Volentieri."


def test_portuguese_attribution_is_cut() -> None:
    text = "Com prazer.\n\nEm ter., 24 de nov. de 2026 às 10:02, Sam <sam@x.example> escreveu:\n> antigo"
    assert visible_text_of(text) == "Com prazer."


def test_a_bottom_posted_reply_is_the_text_under_the_quote() -> None:
    text = "On 24/11/2026 10:02, Sam Rivera wrote:\n> Would you join?\n> Reply \"unsubscribe\"\n\nCount me in!\n"
    assert visible_text_of(text) == "Count me in!"


def test_interleaved_answers_between_quoted_lines_are_kept() -> None:
    assert visible_text_of("> Would you join?\nYes!\n> Which day suits you?\nFriday.") == "Yes!\nFriday."


def test_a_signature_after_a_sign_off_line_is_cut() -> None:
    assert visible_text_of("Count me in.\n\nBest regards,\nAna Example\n+33 1 23 45 67 89") == "Count me in."


def test_a_mobile_sent_from_line_is_cut() -> None:
    assert visible_text_of("Count me in.\n\nSent from my iPhone") == "Count me in."


def test_a_sentence_that_starts_like_a_sign_off_is_not_a_signature() -> None:
    assert visible_text_of("Hi Sam,\nThanks, but please unsubscribe me.") == "Hi Sam,\nThanks, but please unsubscribe me."


def test_a_long_text_after_a_thanks_line_is_not_a_signature() -> None:
    lines = ["Hi Sam,", "Thanks"] + [f"Point {number} about the show." for number in range(12)]
    assert visible_text_of("\n".join(lines)).endswith("Point 11 about the show.")


def test_the_html_part_is_read_when_there_is_no_text_part() -> None:
    assert visible_text(_reply(html="<html><body><p>Please unsubscribe me.</p></body></html>")) == \
        "Please unsubscribe me."


def test_the_html_part_is_read_when_the_text_part_is_empty() -> None:
    assert visible_text(_reply(text="\n", html="<p>Count me in</p>")) == "Count me in"


def test_html_quoted_history_of_outlook_web_is_cut() -> None:
    html = ('<div>Not interested.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Sam'
            '<br><b>Sent:</b> Tuesday</div><div>Would you love to join? Reply "unsubscribe"</div>')
    assert visible_text(_reply(html=html)) == "Not interested."


def test_html_gmail_quote_is_cut() -> None:
    html = ('<div dir="ltr">Count me in</div><div class="gmail_quote"><div class="gmail_attr">On Tue, Sam wrote:</div>'
            '<blockquote class="gmail_quote">Reply "unsubscribe"</blockquote></div>')
    assert visible_text(_reply(html=html)) == "Count me in"


def test_html_scripts_and_styles_are_not_text() -> None:
    assert html_to_text("<style>p{}</style><script>unsubscribe()</script><p>Hello</p>") == "Hello"


def test_deeply_nested_html_is_read_without_recursion() -> None:
    assert html_to_text("<div>" * 20_000 + "Hello" + "</div>" * 20_000) == "Hello"


def test_an_unknown_charset_degrades_instead_of_failing() -> None:
    raw = b"From: a@example.org\r\nContent-Type: text/plain; charset=x-unknown-7\r\n\r\nRemove me please\r\n"
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert visible_text(message) == "Remove me please"


def test_an_attached_text_file_is_not_the_reply() -> None:
    message = _reply("Count me in")
    message.add_attachment("unsubscribe", filename="notes.txt")
    assert visible_text(message) == "Count me in"


def test_the_visible_text_is_bounded() -> None:
    assert len(visible_text_of("word " * 100_000)) <= MAX_VISIBLE_CHARS


def test_a_very_long_line_that_looks_like_an_attribution_is_wrapped_and_kept() -> None:
    assert visible_text_of("On " + "x " * 40_000).startswith("On x x")


def test_a_sentence_after_a_thanks_line_is_not_a_signature() -> None:
    assert visible_text_of("Bonjour,\nMerci\nRetirez-moi de votre liste.") == \
        "Bonjour,\nMerci\nRetirez-moi de votre liste."


def test_a_name_after_a_thanks_line_is_a_signature() -> None:
    assert visible_text_of("Count me in.\nThanks,\nAna Example\nhttps://ana.example") == "Count me in."


def test_spanish_outlook_header_block_with_enviado_el_is_cut() -> None:
    text = "Claro.\n\nDe: Sam Rivera\nEnviado el: martes, 24 de noviembre de 2026 10:02\nPara: Lucía\nAsunto: Live\n\nviejo"
    assert visible_text_of(text) == "Claro."
