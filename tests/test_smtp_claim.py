"""The transport makes the caller's claim while the server answers MAIL FROM (outreach.mail.transport)."""

import socket

import pytest

from outreach.mail.transport import WITHDRAWN, SmtpTransport

RAW = b"From: ana@brand.example\r\nTo: bo@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


@pytest.fixture
def transport(smtp_server):
    smtp = SmtpTransport(smtp_server.host, smtp_server.port, "none", None, None, timeout=10)
    yield smtp
    smtp.close()


def test_a_refused_claim_withdraws_the_message_and_the_connection_carries_the_next(transport, smtp_server):
    assert transport.send("ana@brand.example", "bo@example.org", RAW, "1", lambda: False).status == WITHDRAWN
    assert transport.send("ana@brand.example", "cy@example.org", RAW, "2", lambda: True).status == "sent"
    assert [m.recipients for m in smtp_server.handler.messages] == [["cy@example.org"]]
    assert smtp_server.handler.connections == 1


def test_a_claim_that_raises_leaves_no_half_read_answer_for_the_next_message(transport, smtp_server):
    def broken_claim() -> bool:
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        transport.send("ana@brand.example", "bo@example.org", RAW, "1", broken_claim)
    assert transport.send("ana@brand.example", "cy@example.org", RAW, "2", lambda: True).status == "sent"
    assert [m.recipients for m in smtp_server.handler.messages] == [["cy@example.org"]]


def test_the_claim_is_made_once_even_when_the_server_is_gone_before_mail_from(transport, smtp_server):
    claims: list[str] = []

    def claim(name: str):
        def record() -> bool:
            claims.append(name)
            return True
        return record

    assert transport.send("ana@brand.example", "bo@example.org", RAW, "1", claim("1")).status == "sent"
    assert transport._smtp is not None
    transport._smtp.sock.shutdown(socket.SHUT_RDWR)  # the link dies between two messages
    delivery = transport.send("ana@brand.example", "cy@example.org", RAW, "2", claim("2"))
    assert delivery.status == "retry" and "connection lost before DATA" in delivery.detail
    assert claims == ["1", "2"]
