"""Email templates: sandboxed, size-capped, subject + text + HTML from one file, errors name file and line."""

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
