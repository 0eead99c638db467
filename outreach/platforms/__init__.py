"""outreach's platform clients: YouTube and Twitch statistics, channel search, refresh and discovery."""
