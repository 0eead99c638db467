"""Persistence of livekit's shows, guests and questions in the workspace database."""
