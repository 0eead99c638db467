"""The contract between a running show and whatever controls it: the action table and the port.

It sits apart from :mod:`livekit.runner` (which implements it) and :mod:`livekit.web` (which serves it),
so neither depends on the other for it: the runner starts the web app, the web app only knows this contract.
"""
