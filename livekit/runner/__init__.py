"""Running a show: the asyncio process that ties the show core to storage, OBS, platforms and the web."""
