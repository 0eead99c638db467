"""outreach: track a niche's influencers and email them personal sequences that stop on reply."""
