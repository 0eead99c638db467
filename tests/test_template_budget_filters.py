"""Every built-in filter, test, method and operator a template can reach is charged to the render budget
by the deep size of what it walks and what it builds, before it runs: a list holding one list 5,000 times
is 100 million items to ``sum`` or ``sort``, however cheap it was to build. Ordinary use renders exactly as
in stock Jinja."""

import tracemalloc

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from outreach.mail.template import EmailTemplateError, Record, TemplateLibrary

OVER_BUDGET = r"(template does too much work|would be [\d,]+ characters long)"


@pytest.fixture
def render(tmp_path):
    folder = tmp_path / "templates" / "email"
    folder.mkdir(parents=True)

    def rendered(source: str, name: str = "d1.txt.j2") -> str:
        (folder / name).write_text(source)
        variables = {"influencer": Record("influencer", {"name": "Bo Fit"})}
        return TemplateLibrary([folder]).render(name, variables).text

    return rendered


# ---------------------------------------------------------------------------------------- the reviewer's payloads

def test_sum_of_a_list_holding_one_list_thousands_of_times_stops_at_the_budget(render):
    """Was still running after 60 s at 350 MB in ``outreach preview``."""
    source = ("{% set subject %}s{% endset %}{% set x = [[1]*20000]*5000 %}"
              "{{ x|sum(start=[])|length }}\n")
    with pytest.raises(EmailTemplateError, match=rf"d1\.md\.j2:1: .*{OVER_BUDGET}"):
        render(source, "d1.md.j2")


def test_sort_of_a_big_text_repeated_stops_at_the_budget_not_in_a_memory_error(render):
    """``|sort`` lowercased every item (about 10 GB) and ended in ``unexpected failure: MemoryError``."""
    source = '{% set subject %}s{% endset %}\n{% set x = ["a"*100000]*100000 %}{{ x|sort|length }}\n'
    tracemalloc.start()
    try:
        with pytest.raises(EmailTemplateError, match=rf"d1\.md\.j2:2: .*{OVER_BUDGET}"):
            render(source, "d1.md.j2")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000


def test_sum_that_adds_many_small_lists_is_charged_addition_by_addition(render):
    """Each list is small and the input is well inside the budget, but ``sum`` copies the growing total
    once per item: 50,000 items is over a billion copies."""
    source = "{% set subject %}s{% endset %}\n{% set x = [[1]]*50000 %}{{ x|sum(start=[])|length }}\n"
    with pytest.raises(EmailTemplateError, match=rf"d1\.txt\.j2:2: .*{OVER_BUDGET}"):
        render(source)


# ------------------------------------------------------------------------- the class: each walks or builds in proportion

#: 100,000 characters of text, held three times by a list (``items``), by a list of one-item lists (``rows``)
#: and by a dict (``table``): about 300,000 units to walk, built once; each use below walks (or builds) that
#: much again, so a loop of them passes the 2,000,000 budget within a few steps instead of running 1,000 times.
TEXT = "{% set text = 'word ' * 20000 %}"
ITEMS = TEXT + "{% set items = [text] * 3 %}"
ROWS = TEXT + "{% set rows = [[text]] * 3 %}"
TABLE = TEXT + "{% set table = {'a': text, 'b': text, 'c': text} %}"
NUMBERS = "{% set numbers = range(20000)|list %}"

CLASS = {
    # filters
    "sort": (ITEMS, "items|sort"),
    "sort_case_sensitive": (ITEMS, "items|sort(case_sensitive=true)"),
    "unique": (ITEMS, "items|unique|list"),
    "min": (ITEMS, "items|min"),
    "max": (ITEMS, "items|max"),
    "sum_numbers": (NUMBERS, "numbers|sum"),
    "max_of_a_range": ("", "range(100000)|max"),
    "sort_of_a_range": ("", "range(100000)|sort|length"),
    "sum_lists": (ROWS, "rows|sum(start=[])"),
    "groupby": (ROWS, "rows|groupby(0)"),
    "map": (ROWS, "rows|map('length')|list"),
    "select": (ROWS, "rows|select('sequence')|list"),
    "reject": (ROWS, "rows|reject('none')|list"),
    "selectattr": (ROWS, "rows|selectattr(0)|list"),
    "batch": (ROWS, "rows|batch(2)|list"),
    "slice": (ROWS, "rows|slice(2)|list"),
    "join": (ITEMS, "items|join"),
    "list": (ROWS, "rows|list"),
    "reverse": (ROWS, "rows|reverse|list"),
    "length": (ROWS, "rows|length"),
    "first": (ROWS, "rows|first"),
    "dictsort": (TABLE, "table|dictsort"),
    "items": (TABLE, "table|items|list"),
    "tojson": (ROWS, "rows|tojson"),
    "pprint": (ROWS, "rows|pprint"),
    "string": (ROWS, "rows|string"),
    "wordcount": (TEXT, "text|wordcount"),
    "replace": (TEXT, "text|replace('w', 'v')"),
    "center": (TEXT, "text|center(10)"),
    "indent": (TEXT, "text|indent(2)"),
    "format": (TEXT, "'%s'|format(text)"),
    "truncate": (TEXT, "text|truncate(10)"),
    "wordwrap": (TEXT, "text|wordwrap(50)"),
    "striptags": (TEXT, "text|striptags"),
    "upper": (TEXT, "text|upper"),
    "title": (TEXT, "text|title"),
    "trim": (TEXT, "text|trim"),
    "urlencode": (TEXT, "text|urlencode"),
    "default_of_a_big_value": (ROWS, "rows|default('x')"),
    # tests
    "in_test": (ITEMS, "'x' is in items"),
    "equalto_test": (ROWS, "rows is equalto(rows)"),
    # methods
    "str_split": (TEXT, "text.split()"),
    "str_splitlines": (TEXT, "text.splitlines()"),
    "str_join": (ITEMS, "', '.join(items)"),
    "str_replace": (TEXT, "text.replace('w', 'v')"),
    "str_center": (TEXT, "text.center(10)"),
    "str_ljust": (TEXT, "text.ljust(10)"),
    "str_zfill": (TEXT, "text.zfill(10)"),
    "str_expandtabs": (TEXT, "text.expandtabs()"),
    "str_format": (ROWS, "'{}'.format(rows)"),
    "str_count": (TEXT, "text.count('w')"),
    "str_upper": (TEXT, "text.upper()"),
    "str_translate": (TEXT, "text.translate({119: 'W'})"),
    "list_count": (ITEMS, "items.count('x')"),
    "list_index": (ITEMS, "items.index(text)"),
    "dict_values": (TABLE, "table.values()|list"),
    "dict_copy": (TABLE, "table.copy()"),
    # operators and literals
    "list_repeated": (ITEMS, "[items] * 50"),
    "list_plus": (ITEMS, "items + items"),
    "text_plus": (TEXT, "text + text"),
    "text_concat": (TEXT, "text ~ text"),
    "list_literal": (ITEMS, "[items, items]"),
    "tuple_literal": (ITEMS, "(items, items)"),
    "dict_literal": (ITEMS, "{'a': items, 'b': items}"),
    "slice_of_a_list": (ITEMS, "items[1:]"),
    "equality": (ITEMS + "{% set other = [text ~ ''] * 3 %}", "items == other"),
    "membership": (ITEMS, "'x' in items"),
    "text_membership": (TEXT, "'x' in text"),
    "percent": (TEXT, "'%s' % text"),
}


@pytest.mark.parametrize("name", CLASS)
def test_each_filter_test_method_and_operator_is_charged_for_what_it_walks_and_builds(render, name):
    setup, expression = CLASS[name]
    source = ("{% set subject %}s{% endset %}\n" + setup +
              "{% for i in range(1000) %}{% set result = " + expression + " %}{% endfor %}\n")
    with pytest.raises(EmailTemplateError, match=rf"d1\.txt\.j2:2: .*{OVER_BUDGET}"):
        render(source)


@pytest.mark.parametrize(("name", "expression"), [
    ("translate", "('a' * 100000).translate({97: 'b' * 1000})"),
    ("striptags", "('<>' * 50000)|striptags"),
    ("round", "1.5|round(1000000000, 'floor')"),
    ("nested_repetition", "[[1] * 20000] * 5000"),
    ("doubling_literals", "[[[[[[[[[[[[[[[[[[['x' * 90000] * 2] * 2] * 2] * 2] * 2] * 2] * 2] * 2] * 2] * 2] * 2]"
                          " * 2] * 2] * 2] * 2] * 2] * 2] * 2]"),
])
def test_work_out_of_proportion_to_the_input_is_charged_before_it_is_done(render, name, expression):
    source = "{% set subject %}s{% endset %}\n{% set result = " + expression + " %}\n"
    tracemalloc.start()
    try:
        with pytest.raises(EmailTemplateError, match=rf"d1\.txt\.j2:2: .*{OVER_BUDGET}"):
            render(source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000


@pytest.mark.parametrize("expression", ["'x'.encode()", "(1).to_bytes(1000000000, 'big')"])
def test_bytes_are_not_available_to_templates(render, expression):
    with pytest.raises(EmailTemplateError, match=r"d1\.txt\.j2:2: .*not available in templates"):
        render("{% set subject %}s{% endset %}\n{{ " + expression + " }}\n")


# ------------------------------------------------------------------------------------ ordinary use is unchanged

ORDINARY = [
    "{{ [3, 1, 2]|sum }} {{ [1.5, 2.25]|sum(start=1) }} {{ [[1], [2]]|sum(start=[]) }}",
    "{{ ['b', 'A', 'c']|sort|join(',') }} {{ [3, 1, 3]|unique|list }} {{ [4, 2, 9]|min }}-{{ [4, 2, 9]|max }}",
    "{% for g in [{'k': 1}, {'k': 2}, {'k': 1}]|groupby('k') %}{{ g.grouper }}:{{ g.list|length }} {% endfor %}",
    "{{ ['a', 'b']|map('upper')|join }} {{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3]|reject('even')|list }}",
    "{{ [1, 2, 3, 4, 5]|batch(2, 0)|list }} {{ [1, 2, 3]|slice(2)|list }} {{ {'b': 1, 'a': 2}|dictsort }}",
    "{{ 'Hello <b>World</b>'|striptags }} {{ 42.55|round(1, 'floor') }} {{ 'a b c'|wordcount }} {{ [1, 'x']|tojson }}",
    "{{ 'a,b'.split(',') }} {{ '-'.join(['x', 'y']) }} {{ 'ab'.center(6, '*') }} {{ '7'.zfill(3) }} {{ 'ab'.upper() }}",
    "{{ [1, 2] + [3] }} {{ [0] * 3 }} {{ (1, 2) == (1, 2) }} {{ 2 in [1, 2] }} {{ {'a': 1}['a'] }} {{ [1, 2, 3][1:] }}",
    "{{ 'x' is in 'xyz' }} {{ 3 is divisibleby 3 }} {{ influencer.name is defined }} {{ influencer.nick|default('f') }}",
    "{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %} {{ {'a': 1}.get('a') }} {{ 'ab'.translate({97: 'c'}) }}",
]


@pytest.mark.parametrize("body", ORDINARY)
def test_ordinary_filters_methods_and_operators_render_as_in_stock_jinja(render, body):
    stock = ImmutableSandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    expected = stock.from_string(body).render(influencer={"name": "Bo Fit"})
    assert render("{% set subject %}s{% endset %}\n" + body + "\n") == expected + "\n"


def test_sum_of_text_is_refused_as_in_stock_jinja(render):
    with pytest.raises(EmailTemplateError, match=r"d1\.txt\.j2:2: sum\(\) can't sum strings"):
        render("{% set subject %}s{% endset %}\n{{ ['a', 'b']|sum(start='') }}\n")
