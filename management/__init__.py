"""The report to management: one document over a period that joins livekit's shows, outreach's campaigns
and pipeline, and the competitor benchmark. A client of both tools' public APIs; neither tool imports it.
"""
