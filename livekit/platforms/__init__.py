"""Streaming platforms a show runs on: Twitch and YouTube sessions, their tokens and settings."""
