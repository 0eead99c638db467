"""livekit: run live shows from a rundown, with OBS, Twitch and YouTube following along."""
