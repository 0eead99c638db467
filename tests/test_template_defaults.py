"""Missing values in templates behave as in stock Jinja when the template handles them (``default``,
``is defined``, ``or``, ``if``) and still fail, naming the variable, when it simply prints them."""

import pytest

from outreach.mail.template import EmailTemplateError, LintLibrary, Record, TemplateLibrary


@pytest.fixture
def render(tmp_path):
    folder = tmp_path / "templates" / "email"
    folder.mkdir(parents=True)

    def rendered(body: str, **influencer: object) -> str:
        (folder / "t.txt.j2").write_text("{% set subject %}Hi{% endset %}\n" + body + "\n")
        variables = {"influencer": Record("influencer", {"name": "Bo Fit", **influencer})}
        return TemplateLibrary([folder]).render("t.txt.j2", variables).text.strip()

    return rendered


@pytest.mark.parametrize(("body", "expected"), [
    ('{{ influencer.nickname | default("friend") }}', "friend"),
    ('{{ influencer.nickname | default(influencer.name) }}', "Bo Fit"),
    ('{{ influencer.nickname | d("friend") }}', "friend"),
    ('{{ influencer.nickname or "friend" }}', "friend"),
    ("{% if influencer.nickname is defined %}yes{% else %}no{% endif %}", "no"),
    ("{% if influencer.nickname %}yes{% else %}no{% endif %}", "no"),
    ("{{ missing_entirely | default('x') }}", "x"),
])
def test_a_missing_value_handled_by_the_template_renders_as_in_stock_jinja(render, body, expected):
    assert render(body) == expected


def test_a_present_value_wins_over_its_default(render):
    assert render('{{ influencer.nickname | default("friend") }}', nickname="Bobby") == "Bobby"


@pytest.mark.parametrize("body", ["{{ influencer.nickname }}", "{{ influencer.nickname ~ '!' }}",
                                  "{% for x in influencer.nickname %}{% endfor %}",
                                  "{{ influencer.nickname.first }}"])
def test_a_missing_value_used_unhandled_still_fails_naming_it(render, body):
    with pytest.raises(EmailTemplateError, match=r"t\.txt\.j2:2: .*influencer\.nickname"):
        render(body)


def test_lint_does_not_report_a_value_the_template_handles_itself(tmp_path):
    folder = tmp_path / "templates" / "email"
    folder.mkdir(parents=True)
    (folder / "t.txt.j2").write_text('{% set subject %}Hi{% endset %}\n{{ influencer.nickname or "x" }} '
                                     '{{ influencer.nick2 | default("y") }} {{ influencer.missing }}\n')
    lint = LintLibrary([folder])
    assert lint.missing_variables("t.txt.j2", {"influencer": Record("influencer", {})}) == ["influencer.missing"]
