"""ObsShowState: how a change merges into the state the show wants (pure, no OBS)."""

from livekit.obs.show_sync import ObsShowState


def test_a_change_replaces_only_the_fields_it_has_an_opinion_on():
    wanted = ObsShowState(program_scene="Intro", prompt_text="hello", recording=True)

    merged = wanted.merged(ObsShowState(prompt_text="next"))

    assert merged == ObsShowState(program_scene="Intro", prompt_text="next", recording=True)


def test_empty_text_and_false_are_opinions_not_absence():
    wanted = ObsShowState(lower_third_text="Ada Lovelace", streaming=True)

    merged = wanted.merged(ObsShowState(lower_third_text="", streaming=False))

    assert merged.lower_third_text == "" and merged.streaming is False


def test_an_empty_change_keeps_everything():
    wanted = ObsShowState(program_scene="Outro", prompt_text="bye")

    assert wanted.merged(ObsShowState()) == wanted
