"""A show run with Twitch configured: title and category set, a marker per segment, `!ask` reaches the queue.

Real twitchio against the in-process Twitch fake (tests/fakes/twitch.py), real runner and web server.
"""

import asyncio

import aiohttp

from livekit.core.rundown import Rundown, Segment
from livekit.runner.session import RunOptions, WebOptions, run_show
from tests.fixtures.platforms import BROADCASTER_ID
from tests.helpers import eventually

TOKEN = "test-token-0123456789abcdef"


def short_show() -> Rundown:
    return Rundown(title="Ask Me Anything", segments=(
        Segment(title="Intro", duration_ms=1500),
        Segment(title="Questions", duration_ms=2500),
    ))


async def run_while(twitch_workspace, fake_twitch, during):
    lines: list[str] = []
    options = RunOptions(auto=True, obs=None, web=WebOptions(port=0, token=TOKEN))
    show = asyncio.create_task(run_show(twitch_workspace, short_show(), options, echo=lines.append))
    url = await eventually(lambda: next((line.split()[-1] for line in lines if line.startswith("Control room")), None))
    base = url.rsplit("/control", 1)[0]
    await during(base)
    return await asyncio.wait_for(show, 30)


async def test_show_sets_title_category_and_a_marker_per_segment(twitch_workspace, fake_twitch):
    fake_twitch.stream_goes_live(BROADCASTER_ID)

    async def nothing(_base):
        await asyncio.sleep(0)

    await run_while(twitch_workspace, fake_twitch, nothing)
    await eventually(lambda: len(fake_twitch.markers) == 2)
    assert fake_twitch.channels[BROADCASTER_ID] == {"title": "Ask Me Anything", "game_id": "509658"}
    assert [marker["description"] for marker in fake_twitch.markers] == ["Intro", "Questions"]


async def test_ask_in_twitch_chat_shows_in_the_control_room_state(twitch_workspace, fake_twitch):
    async def ask_and_look(base):
        await asyncio.to_thread(fake_twitch.wait_for_subscription)
        await asyncio.to_thread(fake_twitch.send_chat, BROADCASTER_ID, "3003", "viewer", "!ask What's next?")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with aiohttp.ClientSession() as http:

            async def questions():
                async with http.get(f"{base}/api/state", headers=headers) as response:
                    return (await response.json())["questions"]

            seen = await eventually(questions)
        assert [(q["platform"], q["author"], q["text"]) for q in seen] == [("twitch", "Viewer", "What's next?")]

    result = await run_while(twitch_workspace, fake_twitch, ask_and_look)
    assert result.ended
