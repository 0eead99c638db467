"""Campaigns: enrolment, the outbox tick (plan, render, send), inbox processing and reports."""
