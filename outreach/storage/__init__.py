"""Persistence of outreach's influencers, campaigns and outbox in the workspace database."""
