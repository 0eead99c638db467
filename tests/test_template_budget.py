"""Regression payloads: a value turned into text by ``str()`` inside a filter or method call is charged to
the render budget before it is built (an 80-byte template once reached 9.5 GB; another ran 36 s per
recipient). Unbounded, each of these builds tens of gigabytes of text."""

import tracemalloc

import pytest

from outreach.mail.template import EmailTemplateError, Record, TemplateLibrary

#: A list holding a 99,999-item list 99,999 times: cheap to build (references), 30 GB as text.
NESTED = "{%set a=[0]*99999%}{%set b=[a]*99999%}"
PAYLOADS = {
    # The 80-byte template: str() of the replacement argument.
    "replace_argument": "{%set a=[0]*99999%}{{1|replace(1,[a]*99999)}}",
    "str_replace_argument": NESTED + "{{'x'.replace('x', b)}}",
    "join_separator": NESTED + "{{[1,2]|join(b)}}",
    "join_keyword_separator": NESTED + "{{[1,2]|join(d=b)}}",
    "format_of_a_list": NESTED + "{{b|format}}",
    "wordwrap_wrapstring": NESTED + "{{'x y'|wordwrap(1, wrapstring=b)}}",
    "dict_values": NESTED + "{{ {1: b}.values()|string }}",
    # The one that ran 36 s per recipient: 300 kB of text per step, never charged.
    "join_separator_in_a_loop": "{%set a=[0]*99999%}{%for i in range(99999)%}{{[1]|join(a)}}{%endfor%}",
}


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "templates" / "email"
    folder.mkdir(parents=True)
    return folder, TemplateLibrary([folder])


@pytest.mark.parametrize("name", PAYLOADS)
def test_text_made_inside_a_filter_is_charged_before_it_is_built(library, name):
    folder, lib = library
    (folder / f"{name}.txt.j2").write_text("{% set subject %}Hi{% endset %}\n" + PAYLOADS[name] + "\n")
    tracemalloc.start()
    try:
        with pytest.raises(EmailTemplateError, match=rf"{name}\.txt\.j2:2: .*(would be .* characters long|too much work)"):
            lib.render(f"{name}.txt.j2", {"influencer": Record("influencer", {"name": "Bo"})})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000
