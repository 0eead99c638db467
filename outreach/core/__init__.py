"""outreach's domain core: pure rules (no I/O, no clock) that the storage, import and CLI adapters share."""
