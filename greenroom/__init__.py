"""Greenroom: the workspace, configuration, secrets and database shared by `livekit` and `outreach`."""

__version__ = "0.1.0"
