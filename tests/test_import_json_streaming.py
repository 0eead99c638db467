"""JSON imports are streamed: the rows are those a whole-document parse gives, memory does not grow with the
number of people, and what a whole-document parse could not survive (runaway nesting, a value of hundreds of
megabytes, a cut-short export) is refused naming the file and the line or item."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import ijson
import pytest

from outreach.importing import reader
from outreach.importing.reader import MAX_ITEM_BYTES, ImportFileError, open_source

#: What the parsers say after "line N: not valid JSON: " is theirs; these tests read with both of ijson's.
BACKENDS = ["yajl2_c", "python"]


@pytest.fixture(params=BACKENDS)
def json_parser(request, monkeypatch) -> str:
    """Import with ijson's C parser, then with its pure-Python one (used where the C one is not installed)."""
    monkeypatch.setattr(reader, "JSON_PARSER", ijson.get_backend(request.param))
    return request.param


def whole_document_rows(path: Path, codec: str) -> tuple[list[str], list[tuple[str, Any, str | None]]]:
    """The oracle: what the import read before it streamed (json.loads of the whole text, then flattened)."""
    document = json.loads(path.read_text(encoding=codec))
    if isinstance(document, dict):
        document = document["influencers"]
    headers: dict[str, None] = {}
    rows = []
    for number, item in enumerate(document, start=1):
        if isinstance(item, dict):
            flat = reader._flatten(item)
            headers.update(dict.fromkeys(flat))
            rows.append((f"item {number}", flat, None))
        else:
            rows.append((f"item {number}", {}, f"expected an object, got {type(item).__name__}"))
    return list(headers), rows


def random_text(rng: random.Random) -> str:
    alphabet = "abcxyz ÉéçœŒ€’ 日本語 😀\"\\/\t\n\u0001"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def random_scalar(rng: random.Random) -> Any:
    return rng.choice([
        random_text(rng), rng.randint(-2**63, 2**63 - 1), rng.randint(-1000, 1000), rng.uniform(-1e6, 1e6),
        rng.random() * 10 ** rng.randint(-300, 300), True, False, None, -0.0,
    ])


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.random()
    if depth < 4 and kind < 0.15:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 4 and kind < 0.3:
        return {random_key(rng): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return random_scalar(rng)


def random_key(rng: random.Random) -> str:
    return rng.choice(["name", "email", "twitch", "custom", "handles", "rate", "Pays", "Abonnés", "x.y", "",
                       "item", "influencers", random_text(rng)])


def random_document(rng: random.Random) -> Any:
    people: list[Any] = []
    for _ in range(rng.randint(0, 30)):
        if rng.random() < 0.1:
            people.append(random_value(rng))
        else:
            people.append({random_key(rng): random_value(rng) for _ in range(rng.randint(0, 8))})
    if rng.random() < 0.3:
        return {"source": random_value(rng), "influencers": people, "exported": random_value(rng)}
    return people


@pytest.mark.parametrize("seed", range(60))
def test_rows_and_columns_are_those_a_whole_document_parse_gives(tmp_path, json_parser, seed):
    rng = random.Random(seed)
    codec, given = rng.choice([("utf-8", None), ("utf-8-sig", None), ("utf-16", None), ("cp1252", "cp1252")])
    text = json.dumps(random_document(rng), ensure_ascii=codec == "cp1252" or rng.random() < 0.5,
                      indent=rng.choice([None, 0, 2, "\t"]))
    path = tmp_path / "people.json"
    path.write_text(text, encoding=codec)

    source = open_source(path, given)

    headers, rows = whole_document_rows(path, "utf-8-sig" if codec.startswith("utf-8") else codec)
    assert source.headers == headers
    assert source.count == len(rows)
    assert [(row.where, row.values, row.problem) for row in source.rows] == rows


def test_duplicate_keys_in_an_item_keep_the_last_value_in_the_first_place(tmp_path, json_parser):
    path = tmp_path / "people.json"
    path.write_text('[{"email": "a@x.org", "custom": {"rate": 1}, "name": "A", "custom": 5, "email": "b@x.org"}]')
    source = open_source(path)
    assert source.headers == ["email", "custom", "name"]
    assert [row.values for row in source.rows] == [{"email": "b@x.org", "custom": 5, "name": "A"}]


def people_file(path: Path, count: int, *, wrapped: bool) -> Path:
    """``count`` people written one by one (the test itself never holds them all)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"exported_by": "crm", "influencers": [\n' if wrapped else "[\n")
        for number in range(count):
            handle.write(("," if number else "") + json.dumps({
                "name": f"Person {number}", "email": f"p{number}@example.com", "followers": number,
                "handles": {"twitch": f"p{number}"}, "custom": {"rate": number % 500}}) + "\n")
        handle.write("]}\n" if wrapped else "]\n")
    return path


#: Peak memory of a Python process that reads 200,000 people (a 27 MB file) from JSON: streamed, 45 MiB (the
#: interpreter with the import modules, whatever the file); parsed whole as before, 297 MiB.
PEAK_MIB_FOR_200K_PEOPLE = 120


@pytest.mark.subprocess
@pytest.mark.parametrize("wrapped", [False, True], ids=["list", "influencers-key"])
def test_reading_200k_people_from_json_stays_within_bounded_memory(tmp_path, wrapped):
    path = people_file(tmp_path / "people.json", 200_000, wrapped=wrapped)
    # The peak is the process's own VmHWM: ru_maxrss would start at the test runner's size, which a child
    # process inherits on Linux from the moment it was forked.
    script = textwrap.dedent("""
        import re, sys
        from pathlib import Path
        from outreach.importing.reader import open_source
        source = open_source(Path(sys.argv[1]))
        rows = sum(1 for row in source.rows if not row.problem)
        peak_kib = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
        print(rows, len(source.headers), int(peak_kib) // 1024)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    rows, columns, peak_mib = map(int, done.stdout.split())
    assert (rows, columns) == (200_000, 5)
    assert peak_mib < PEAK_MIB_FOR_200K_PEOPLE


def test_a_json_import_reads_the_people_inside_an_influencers_key(tmp_path, outreach_cli):
    path = tmp_path / "crm.json"
    path.write_text(json.dumps({"exported_at": "2026-11-30", "filters": {"niche": ["gaming"]},
                                "influencers": [{"name": "Ana", "email": "ana@example.com"},
                                                {"name": "Bo", "handles": {"twitch": "bolive"}}],
                                "next_page": None}, indent=2))
    result = outreach_cli("import", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith("2 added, 0 merged, 0 skipped, 0 invalid (2 rows)")


def test_a_document_with_two_influencers_keys_is_refused_rather_than_one_list_dropped(tmp_path, outreach_cli):
    path = tmp_path / "crm.json"
    path.write_text('{"influencers": [{"email": "ana@example.com"}], "influencers": [{"email": "bo@example.com"}]}')
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    assert f"{path}: the key 'influencers' appears twice at the top of the document" in result.output


def test_a_top_level_key_the_parser_would_read_as_people_is_refused(tmp_path, json_parser):
    path = tmp_path / "crm.json"
    path.write_text('{"influencers": [{"email": "ana@example.com"}], "influencers.item": {"email": "x@example.com"}}')
    with pytest.raises(ImportFileError, match=r"a key named 'influencers.item' at the top of the document would be "
                                              r"read as people: rename it"):
        open_source(path)


def test_items_that_are_not_objects_are_invalid_rows_naming_their_type(tmp_path, outreach_cli):
    path = tmp_path / "people.json"
    path.write_text(json.dumps({"influencers": [{"email": "ana@example.com"}, ["bo@example.com"], 42, None]}))
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    for expected in ("item 2: expected an object, got list", "item 3: expected an object, got int",
                     "item 4: expected an object, got NoneType"):
        assert expected in result.output


def test_an_export_cut_short_is_refused_naming_its_last_line(tmp_path, json_parser, outreach_cli):
    path = people_file(tmp_path / "people.json", 5_000, wrapped=False)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size - 40)
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    assert (f"{path} line 5001: not valid JSON: the file ends in the middle of the JSON (was it cut short?)"
            in result.output)


@pytest.mark.parametrize("where", [1, 777, 4_321])
def test_a_syntax_error_anywhere_in_a_large_file_names_its_line(tmp_path, json_parser, outreach_cli, where):
    path = people_file(tmp_path / "people.json", 5_000, wrapped=False)
    lines = path.read_text().splitlines(keepends=True)
    lines[where] = lines[where].replace('"email": ', '"email" ', 1)
    path.write_text("".join(lines))
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    assert f"{path} line {where + 1}: not valid JSON: " in result.output
    assert "Traceback" not in result.output


def test_text_after_the_json_document_is_refused_naming_its_line(tmp_path, json_parser, outreach_cli):
    path = tmp_path / "people.json"
    path.write_text('[{"email": "ana@example.com"}]\n\n[{"email": "bo@example.com"}]\n')
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    assert f"{path} line 3: not valid JSON: more text after the end of the JSON document" in result.output


def test_json_is_read_with_ijsons_c_parser():
    assert reader.JSON_PARSER.backend_name == "yajl2_c"


def test_a_number_too_large_for_the_c_parser_is_refused_with_how_to_keep_it(tmp_path, monkeypatch, outreach_cli):
    monkeypatch.setattr(reader, "JSON_PARSER", ijson.get_backend("yajl2_c"))
    path = tmp_path / "people.json"
    path.write_text('[\n{"email": "ana@example.com",\n "phone": 123456789012345678901234567890}\n]')
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    assert (f"{path} line 3: not valid JSON: a whole number larger than 9223372036854775807: put it in quotes "
            "to keep it as text") in result.output


def runaway(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_more_than_100_levels_is_refused_while_streaming_naming_the_line(tmp_path, json_parser,
                                                                                   outreach_cli):
    path = people_file(tmp_path / "people.json", 3_000, wrapped=False)
    lines = path.read_text().splitlines(keepends=True)
    # The list and the person are 2 levels: 99 more make 101.
    lines[2_500] = lines[2_500].replace('"followers": ', f'"followers": {runaway(99)}, "x": ', 1)
    path.write_text("".join(lines))
    result = outreach_cli("import", path)
    assert result.exit_code == 2
    assert (f"{path} line 2501: lists or tables are nested inside each other more than 100 levels deep; no "
            "Greenroom file needs that many") in result.output


def test_nesting_100_levels_deep_is_still_read(tmp_path, json_parser):
    path = tmp_path / "people.json"
    path.write_text('[{"email": "ana@example.com", "custom": {"deep": ' + runaway(97) + "}}]")
    source = open_source(path)
    assert [row.values for row in source.rows] == [{"email": "ana@example.com", "custom.deep": json.loads(runaway(97))}]


def test_runaway_nesting_outside_the_list_of_people_is_refused_too(tmp_path, json_parser):
    path = tmp_path / "crm.json"
    path.write_text('{\n"filters":\n' + runaway(5_000) + ',\n"influencers": []}')
    with pytest.raises(ImportFileError, match=rf"^{path} line 3: lists or tables are nested inside each other"):
        open_source(path)


def test_a_person_with_a_huge_value_is_refused_naming_the_item_before_it_is_read_whole(tmp_path, json_parser):
    path = tmp_path / "people.json"
    with path.open("w") as handle:
        handle.write('[{"email": "ana@example.com"},\n {"email": "bo@example.com", "notes": "')
        for _ in range(64):  # 64 MiB in one string
            handle.write("x" * (1 << 20))
        handle.write('"}]')
    with pytest.raises(ImportFileError) as refused:
        open_source(path)
    assert str(refused.value) == (f"{path} item 2: more than {MAX_ITEM_BYTES:,} bytes of JSON for one person "
                                  f"(is a whole file pasted into a field?)")


def test_a_person_with_a_huge_list_is_refused_naming_the_item(tmp_path, json_parser):
    path = tmp_path / "people.json"
    path.write_text('[{"email": "ana@example.com"}, {"email": "bo@example.com", "niches": '
                    + json.dumps(["gaming"] * 200_000) + "}]")
    with pytest.raises(ImportFileError, match=rf"^{path} item 2: more than 1,048,576 bytes of JSON for one person"):
        open_source(path)


def test_a_huge_value_outside_the_list_of_people_is_refused(tmp_path, json_parser):
    path = tmp_path / "crm.json"
    path.write_text('{"logo": "' + "A" * (3 << 20) + '", "influencers": [{"email": "ana@example.com"}]}')
    with pytest.raises(ImportFileError, match=rf"^{path}: a value outside the list of people takes more than"):
        open_source(path)


def test_people_just_under_the_item_limit_are_read(tmp_path, json_parser):
    path = tmp_path / "people.json"
    notes = "n" * (MAX_ITEM_BYTES - (64 << 10) - 100)
    path.write_text(json.dumps([{"email": "ana@example.com", "notes": notes}, {"email": "bo@example.com"}]))
    assert [row.values["email"] for row in open_source(path).rows] == ["ana@example.com", "bo@example.com"]


@pytest.mark.parametrize("codec", ["cp1252", "utf-16"])
def test_a_json_file_in_another_encoding_is_read_as_before(tmp_path, json_parser, codec):
    path = tmp_path / "people.json"
    path.write_text('[{"name": "Chloé Lefèvre – “Chez Chloé”", "email": "chloe@example.fr", "Pays": "France"}]',
                    encoding=codec)
    source = open_source(path, "cp1252" if codec == "cp1252" else None)
    assert [row.values for row in source.rows] == [
        {"name": "Chloé Lefèvre – “Chez Chloé”", "email": "chloe@example.fr", "Pays": "France"}]
