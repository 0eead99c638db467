"""`python -m livekit.cli` runs the livekit command."""

from livekit.cli import main

main()
