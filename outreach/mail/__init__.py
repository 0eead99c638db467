"""Email adapters: sandboxed templates, message building, SMTP/.eml transport and the IMAP inbox."""
