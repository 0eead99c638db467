"""Email templates: sandboxed, size-capped, subject + text + HTML from one file, errors name file and line."""

import tracemalloc

import pytest

from outreach.mail.template import (
    MAX_SOURCE_BYTES,
    EmailTemplateError,
    LintLibrary,
    Record,
    TemplateLibrary,
    template_dirs,
)


def variables(**influencer):
    return {
        "influencer": Record("influencer", {"first_name": "Bo", "name": "Bo Fit", **influencer}),
        "sender": Record("sender", {"name": "Ana", "address": "ana@brand.example"}),
        "owner": Record("owner", {}),
        "campaign": Record("campaign", {"name": "spring", "step": 1, "steps": 2}),
    }


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "templates" / "email"
    folder.mkdir(parents=True)
    return folder, TemplateLibrary([folder])


def test_default_first_contact_renders_subject_text_and_html():
    rendered = TemplateLibrary(template_dirs(None)).render("first-contact.md.j2", variables(channel="bofit"))
    assert rendered.subject == "Bo, a live interview for your audience?"
    assert "Hi Bo," in rendered.text
    assert "<strong>bofit</strong>" in rendered.html


def test_user_data_is_escaped_in_html_and_cannot_inject_markdown_links(library):
    folder, lib = library
    (folder / "t.md.j2").write_text("{% set subject %}Hi{% endset %}\nHello {{ influencer.name }}\n")
    rendered = lib.render("t.md.j2", variables(name='<script>x</script> [win](http://evil.example)'))
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "<a " not in rendered.html



def test_user_data_with_pipes_quotes_and_ampersands_reads_as_typed_in_html(library):
    folder, lib = library
    (folder / "t.md.j2").write_text("{% set subject %}Hi{% endset %}\nHello {{ influencer.name }}\n")
    rendered = lib.render("t.md.j2", variables(name='Tom & Jerry | "*Fit*" 1_000'))
    assert rendered.html == "<p>Hello Tom &amp; Jerry | &#34;*Fit*&#34; 1_000</p>"
    assert rendered.text == 'Hello Tom & Jerry | "*Fit*" 1_000\n'

def test_missing_variable_names_template_file_and_line(library):
    folder, lib = library
    (folder / "t.txt.j2").write_text("{% set subject %}Hi{% endset %}\nline two\nDear {{ influencer.nickname }}\n")
    with pytest.raises(EmailTemplateError, match=r"t\.txt\.j2:3: influencer\.nickname is undefined"):
        lib.render("t.txt.j2", variables())


def test_syntax_error_names_template_file_and_line(library):
    folder, lib = library
    (folder / "t.txt.j2").write_text("{% set subject %}Hi{% endset %}\nok\n{% if %}\n")
    with pytest.raises(EmailTemplateError, match=r"t\.txt\.j2:3: "):
        lib.render("t.txt.j2", variables())


def test_template_cannot_reach_python_internals(library):
    folder, lib = library
    (folder / "t.txt.j2").write_text("{% set subject %}Hi{% endset %}\n{{ influencer.__class__.__mro__ }}\n")
    with pytest.raises(EmailTemplateError, match=r"t\.txt\.j2:2:"):
        lib.render("t.txt.j2", variables())


def test_oversized_template_source_is_refused(library):
    folder, lib = library
    (folder / "big.txt.j2").write_text("{% set subject %}Hi{% endset %}\n" + "x" * MAX_SOURCE_BYTES)
    with pytest.raises(EmailTemplateError, match="big.txt.j2: template is .* bytes; the limit is 65536"):
        lib.render("big.txt.j2", variables())


def test_rendering_stops_at_the_output_cap(library):
    folder, lib = library
    (folder / "loop.txt.j2").write_text(
        "{% set subject %}Hi{% endset %}\n{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}\n")
    with pytest.raises(EmailTemplateError, match="rendered output exceeds 262144 characters"):
        lib.render("loop.txt.j2", variables())


def test_huge_repetition_is_refused_before_it_is_built(library):
    folder, lib = library
    (folder / "bomb.txt.j2").write_text("{% set subject %}Hi{% endset %}\n{{ 'x' * 10**9 }}\n")
    with pytest.raises(EmailTemplateError, match=r"bomb\.txt\.j2:2: repetition longer than"):
        lib.render("bomb.txt.j2", variables())


def test_workspace_template_takes_precedence_over_the_default(tmp_path):
    own = tmp_path / "templates" / "email"
    own.mkdir(parents=True)
    (own / "first-contact.md.j2").write_text("{% set subject %}Our own{% endset %}\nbody\n")
    rendered = TemplateLibrary(template_dirs(tmp_path)).render("first-contact.md.j2", variables())
    assert rendered.subject == "Our own"


def test_template_without_subject_is_an_error_for_a_first_email(library):
    folder, lib = library
    (folder / "t.txt.j2").write_text("just a body\n")
    with pytest.raises(EmailTemplateError, match=r"sets no subject"):
        lib.render("t.txt.j2", variables())


def test_lint_lists_every_missing_variable_not_only_the_first(library):
    folder, _ = library
    (folder / "t.txt.j2").write_text(
        "{% set subject %}{{ influencer.first_name }}{% endset %}\n{{ owner.name }} {{ influencer.city }}\n")
    missing = LintLibrary([folder]).missing_variables("t.txt.j2", variables())
    assert missing == ["owner.name", "influencer.city"]


def test_template_that_is_not_utf8_names_file_line_and_encoding(library):
    folder, lib = library
    (folder / "latin.txt.j2").write_bytes("{% set subject %}Hi{% endset %}\nline two\nCafé\n".encode("latin-1"))
    with pytest.raises(EmailTemplateError, match=r"latin\.txt\.j2:3: not UTF-8"):
        lib.render("latin.txt.j2", variables())


BIG = "{% set a = 'x' * 100000 %}"
GROWTH_PATHS = {
    "tilde": ("{% set b = a ~ a ~ a %}", "text joined with ~ would be 300,000 characters long; the limit is 262,144"),
    "plus": ("{% set b = a + a + a %}", "text joined with \\+ would be 300,000"),
    "center": ("{{ 'x'|center(10**9) }}", "\\|center would be 1,000,000,000 characters long; the limit is 262,144"),
    "str_center": ("{{ 'x'.center(10**9) }}", "str.center would be 1,000,000,000"),
    "indent": ("{{ ('a\\n' * 50000)|indent(1000) }}", "\\|indent would be 50,101,000"),
    "wordwrap": ("{{ a|wordwrap(1, wrapstring='yy') }}", "\\|wordwrap would be 300,002"),
    "join": ("{{ [a, a, a]|join }}", "\\|join would be 300,000"),
    "str_join": ("{{ a.join(['y'] * 4) }}", "str.join would be 300,004"),
    "replace": ("{{ a|replace('x', 'yyy') }}", "\\|replace would be 300,000"),
    "str_replace": ("{{ a.replace('', 'yy') }}", "str.replace would be 300,002"),
    "format_filter": ("{{ '%999999999s'|format('x') }}", "field width 999999999 is over the limit of 1000"),
    "percent": ("{{ '%999999999s' % 'x' }}", "field width 999999999 is over the limit of 1000"),
    "str_format": ("{{ '{:>999999999}'.format('x') }}", "field width 999999999 is over the limit of 1000"),
    "list_printed": ("{{ [a, a, a] }}", "printed list would be 300,008"),
    "tojson": ("{{ [a, a, a]|tojson }}", "\\|tojson of a list would be 300,008"),
    "batch": ("{{ [1]|batch(10**9, 0)|list }}", "\\|batch would be 1,000,000,000"),
    "big_number": ("{{ ((9**64)**64)**64 }}", "number larger than 4096 bits"),
}


@pytest.mark.parametrize("name", GROWTH_PATHS)
def test_each_way_of_growing_a_string_is_refused_before_the_memory_is_used(library, name):
    folder, lib = library
    body, message = GROWTH_PATHS[name]
    (folder / f"{name}.txt.j2").write_text("{% set subject %}Hi{% endset %}\n" + BIG + body + "\n")
    lib.check(f"{name}.txt.j2")
    tracemalloc.start()
    try:
        with pytest.raises(EmailTemplateError, match=rf"{name}\.txt\.j2:2: .*{message}"):
            lib.render(f"{name}.txt.j2", variables())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_many_small_copies_add_up_to_the_render_budget(library):
    folder, lib = library
    copies = "".join(f"{{% set v{n} = a|upper %}}" for n in range(100))
    (folder / "copies.txt.j2").write_text("{% set subject %}Hi{% endset %}\n" + BIG + copies + "\n")
    with pytest.raises(EmailTemplateError, match=r"copies\.txt\.j2:2: template does too much work \(more than 2,000,000"):
        lib.render("copies.txt.j2", variables())


def test_nested_loops_stop_at_the_render_budget_instead_of_running_for_hours(library):
    folder, lib = library
    (folder / "loops.txt.j2").write_text("{% set subject %}Hi{% endset %}\n"
                                         "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                                         "{% endfor %}\n")
    with pytest.raises(EmailTemplateError, match=r"loops\.txt\.j2:2: template does too much work"):
        lib.render("loops.txt.j2", variables())


def test_text_captured_by_a_set_block_in_a_loop_counts_towards_the_budget(library):
    folder, lib = library
    (folder / "capture.txt.j2").write_text("{% set subject %}Hi{% endset %}\n" + BIG +
                                           "{% set b %}{% for i in range(1000) %}{{ a }}{% endfor %}{% endset %}\n")
    with pytest.raises(EmailTemplateError, match=r"capture\.txt\.j2:2: template does too much work"):
        lib.render("capture.txt.j2", variables())


def test_lorem_ipsum_generator_is_not_available_to_templates(library):
    folder, lib = library
    (folder / "lipsum.txt.j2").write_text("{% set subject %}Hi{% endset %}\n{{ lipsum(10**7) }}\n")
    with pytest.raises(EmailTemplateError, match=r"lipsum\.txt\.j2:2: lipsum is undefined"):
        lib.render("lipsum.txt.j2", variables())


def test_self_calling_macro_is_a_template_error_not_a_crash(library):
    folder, lib = library
    (folder / "rec.txt.j2").write_text("{% set subject %}Hi{% endset %}\n"
                                       "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}\n")
    with pytest.raises(EmailTemplateError, match=r"rec\.txt\.j2:2: maximum recursion depth"):
        lib.render("rec.txt.j2", variables())


def test_ordinary_loops_formatting_and_filters_still_render(library):
    folder, lib = library
    (folder / "ok.txt.j2").write_text(
        "{% set subject %}Hi {{ influencer.first_name }}{% endset %}\n"
        "{% for n in ['a', 'b'] %}{{ loop.index }}/{{ loop.length }} {{ n|upper }} {% endfor %}\n"
        "{{ '%s has %d' % (influencer.name, 3) }}, {{ '{} {}'.format('x', 'y') }}, {{ ['p', 'q']|join('+') }}\n"
        "{{ influencer.name[:2] }}|{{ 'ab'|center(6) }}|{{ 'a b'|replace(' ', '-') }}\n")
    assert lib.render("ok.txt.j2", variables()).text == (
        "1/2 A 2/2 B \nBo Fit has 3, x y, p+q\nBo|  ab  |a-b\n")


def test_a_markdown_link_reference_in_one_email_never_resolves_in_the_next(library):
    """The Markdown converter is reused between emails: nothing one email defines may leak into another."""
    folder, templates = library
    (folder / "defines.md.j2").write_text("{% set subject %}Hi{% endset %}See [our kit][kit].\n\n[kit]: https://a.example/kit\n")
    (folder / "uses.md.j2").write_text("{% set subject %}Hi{% endset %}Also [our kit][kit].\n")
    assert 'href="https://a.example/kit"' in templates.render("defines.md.j2", variables()).html
    assert "href" not in templates.render("uses.md.j2", variables()).html
