"""Read a CSV (any Excel dialect, UTF-8 with or without BOM) or JSON list into rows that know their line."""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from greenroom.errors import GreenroomError
from greenroom.nesting import MAX_DEPTH, too_deep_at
from outreach.importing.encodings import guess_encoding


class ImportFileError(GreenroomError):
    """The file cannot be imported as a whole; the message names the file, the line and the problem."""


@dataclass(slots=True)
class SourceRow:
    #: "line 12" (CSV) or "item 3" (JSON): where the row is, as messages show it.
    where: str
    #: The line or item number alone (compact, for what an import remembers of every row).
    number: int
    #: A JSON item's values by key, or a CSV row's cells in the order of the headers (no dict per row).
    values: dict[str, Any] | list[str]
    problem: str | None = None


@dataclass
class Source:
    """An opened import file: its column headers and its rows (read lazily)."""

    path: Path
    headers: list[str]
    rows: Iterator[SourceRow]
    count: int
    #: What a row's number counts: "line" (CSV) or "item" (JSON).
    place: str = "line"


def decode(path: Path, data: bytes, encoding: str | None) -> str:
    """Bytes → text; a wrong encoding is reported with the line it was found on and how to fix it."""
    if encoding is None:
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise ImportFileError(f"{path}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start: error.start + 1].hex()
        name = encoding.removesuffix("-sig").upper()
        guess = guess_encoding(data) if name.replace("_", "-") in ("UTF-8", "UTF8", "UTF") else None
        if guess:
            raise ImportFileError(f"{path} line {line}: not {name} (looks like {guess.description}): "
                                  f"re-run with --encoding {guess.codec}") from None
        raise ImportFileError(f"{path} line {line}: not {name} (byte 0x{byte}): save it as UTF-8 (Excel: 'CSV "
                              f"UTF-8') or re-run with --encoding and the encoding it was saved in") from None


#: Columns (CSV) or distinct keys (JSON) an import reads: far more than any spreadsheet or CRM export has,
#: few enough that mapping every row's cells stays linear in practice.
MAX_COLUMNS = 1000

#: Text read at the start of a file to tell JSON from CSV, find Excel's ``sep=`` hint and sniff the dialect.
HEAD_CHARACTERS = 65536
#: Bytes read at a time when counting a file's lines.
_BLOCK = 1 << 20


def _encoding_of(path: Path, encoding: str | None) -> str:
    """The codec to read ``path`` with: the one given, else UTF-16 when the file starts with its BOM, else
    UTF-8 with or without BOM."""
    if encoding is not None:
        try:
            found = codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(f"{path}: unknown encoding {encoding!r}") from None
        if not getattr(found, "_is_text_encoding", True):  # base64, zlib, rot13...: bytes or str to the same
            raise ImportFileError(f"{path}: {encoding!r} is not a text encoding (e.g. utf-8, cp1252, latin-1)")
        return encoding
    with path.open("rb") as handle:
        start = handle.read(2)
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _refuse_undecodable(path: Path, encoding: str | None) -> ImportFileError:
    """The error for a file that stopped decoding while it was streamed: the whole file is decoded once
    more (only on this error path) so the message names the line and the likely encoding."""
    try:
        decode(path, path.read_bytes(), encoding)
    except ImportFileError as error:
        return error
    return ImportFileError(f"{path}: not {encoding or 'UTF-8'}: save it as UTF-8 or re-run with --encoding")


def _count_lines(path: Path, codec: str) -> tuple[int, bool]:
    """The number of line breaks and whether there is anything but white space, read block by block
    (a file's text is never held whole). Every byte is decoded, so a file in the wrong encoding is refused
    here, before anything is written."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines, blank = 0, True
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            text = decoder.decode(block)
            lines += text.count("\n")
            blank = blank and not text.strip()
        text = decoder.decode(b"", final=True)
    return lines + text.count("\n"), blank and not text.strip()


def open_source(path: Path, encoding: str | None = None) -> Source:
    """Open a ``.json`` file as a list of objects, anything else as CSV with a sniffed dialect.

    Both are streamed: rows are read one at a time, so a million-row file costs no more memory than a small
    one (a JSON document with ijson: its C parser when installed, else its pure-Python one)."""
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file but a pipe or a device"
        raise ImportFileError(f"{path} is {kind}: give the path of a CSV or JSON file")
    try:
        codec = _encoding_of(path, encoding)
        lines, blank = _count_lines(path, codec)
        with path.open(encoding=codec, newline="") as handle:
            head = handle.read(HEAD_CHARACTERS)
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise _refuse_undecodable(path, encoding) from None
    if blank:
        raise ImportFileError(f"{path} is empty: nothing to import")
    if path.suffix.lower() == ".json" or head.lstrip()[:1] in ("[", "{"):
        source = _json_source(path, codec)
        if len(source.headers) > MAX_COLUMNS:
            raise ImportFileError(f"{path}: its items use {len(source.headers):,} different keys; an import reads "
                                  f"at most {MAX_COLUMNS:,} (remove the fields you do not need)")
        return source
    return _csv_source(path, codec, head, lines, encoding)


def _csv_source(path: Path, codec: str, head: str, lines: int, encoding: str | None) -> Source:
    # Line ends as one kind for the sniffer: it splits its sample on "\n" only, so a file mixing CRLF and
    # old-Mac CR line ends (a sheet edited in two programs) looked like one long row with no delimiter.
    head = head.replace("\r\n", "\n").replace("\r", "\n")
    first_line = head.split("\n", 1)[0].strip()
    dialect: Any
    skipped = 0
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        # Excel's "sep=;" hint line: use that delimiter and skip the line.
        dialect = type("ExcelHinted", (csv.excel,), {"delimiter": first_line[4]})
        skipped = 1
    else:
        try:
            dialect = csv.Sniffer().sniff(head, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    with path.open(encoding=codec, newline="") as handle:
        if skipped:
            handle.readline()
        try:
            headers = next(csv.reader(handle, dialect))
        except StopIteration:
            raise ImportFileError(f"{path} is empty: nothing to import") from None
        except csv.Error as error:
            raise ImportFileError(f"{path} line {1 + skipped}: unreadable header: {error}") from None
    headers = [header.strip() for header in headers]
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(f"{path} line {1 + skipped}: {len(headers):,} columns; an import reads at most "
                              f"{MAX_COLUMNS:,} (delete the columns you do not need)")
    duplicates = sorted(header for header, times in Counter(headers).items() if header and times > 1)
    if duplicates:
        raise ImportFileError(
            f"{path} line {1 + skipped}: the column {duplicates[0]!r} appears twice in the header")
    width = len(headers)

    def rows() -> Iterator[SourceRow]:
        """The rows after the header, read from the file as they are asked for (it is open only meanwhile)."""
        with path.open(encoding=codec, newline="") as handle:
            if skipped:
                handle.readline()
            reader = csv.reader(handle, dialect)
            next(reader)  # the header, read above
            while True:
                line = reader.line_num + 1 + skipped
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise ImportFileError(f"{path} line {line}: {error}") from None
                except UnicodeDecodeError:
                    raise _refuse_undecodable(path, encoding) from None
                if not "".join(cells).strip():
                    continue
                if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                    yield SourceRow(f"line {line}", line, [], (
                        f"{len(cells)} values but the header has {width} columns "
                        f"(is a value containing the delimiter {dialect.delimiter!r} missing its quotes?)"))
                    continue
                yield SourceRow(f"line {line}", line, cells)

    return Source(path, headers, rows(), max(lines - 1 - skipped, 0))


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    """``{"custom": {"budget": 5}, "handles": {"twitch": "x"}}`` → ``custom.budget``, ``twitch`` columns."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"custom.{inner}" if key == "custom" else str(inner)] = inner_value
        else:
            flat[str(key)] = value
    return flat


#: ijson's parser: its C one (yajl2_c, built into ijson's wheels) when installed, else its pure-Python one
#: (the IJSON_BACKEND environment variable picks another). Both give the same rows; the tests read with both.
JSON_PARSER: Any = ijson
#: What one item of a JSON list (one person, with the white space and comma before it) may take, in bytes.
#: People take a few hundred bytes each in real exports, and a CSV cell may hold 131,072 characters (the csv
#: module's field limit, which ``_csv_source`` keeps): this leaves room for several such values, while a
#: 500 MB string pasted into one field is refused before the parser holds it whole. Measured in the blocks
#: the parser reads, so to within :data:`_JSON_BLOCK`.
MAX_ITEM_BYTES = 1 << 20
#: Bytes the JSON parser is given at a time.
_JSON_BLOCK = 1 << 16
#: What the JSON parsers raise for a document that is not JSON (ijson's pure-Python parser also raises the
#: standard library's error for a control character in a string).
_NOT_JSON = (ijson.JSONError, json.JSONDecodeError)
#: ijson's event for each kind of scalar → the Python type ``json.loads`` gives it (as error messages name it).
_SCALAR_TYPES = {"string": "str", "boolean": "bool", "null": "NoneType"}
#: A depth no document reaches: where the items of a list of people are while none is open.
_NO_LIST = 1 << 30
#: Top-level keys ijson would read as the list of people itself (it joins keys with dots).
_WRAPPER = "influencers"
_WRAPPED_ITEMS = f"{_WRAPPER}.item"


def _is_utf8(codec: str) -> bool:
    return codecs.lookup(codec).name in ("utf-8", "utf-8-sig")


class _JsonBytes:
    """A JSON file as the UTF-8 bytes ijson parses, whatever its encoding, handed out block by block.

    It bounds what the parser may hold: ``mark`` is where the current item (outside the list of people:
    the current value) began, and once more than :data:`MAX_ITEM_BYTES` have been handed out past it the
    file ends early for the parser, which then stops with an error (``refused`` tells why) instead of
    building a value of unbounded size. :meth:`end` ends it the same way when the reader has seen enough:
    a parser left half-way is never closed in the middle of a value.

    From ``slow_from`` on it hands out one byte at a time, so the event or error the parser gives next
    comes from the last byte handed out: :meth:`line` is that byte's line (ijson's errors name no line).
    """

    def __init__(self, handle: BinaryIO, codec: str, *, bounded: bool = True, slow_from: int | None = None):
        self._handle = handle
        self._decoder = None if _is_utf8(codec) else codecs.getincrementaldecoder(codec)()
        self._skip_bom = codecs.lookup(codec).name == "utf-8-sig"
        self._pending = b""
        self._offset = 0
        self._slow_from = slow_from
        self._ended = False
        self._last = b""
        self._lines = 0
        #: UTF-8 bytes handed to the parser so far.
        self.position = 0
        self.mark = 0
        self.bounded = bounded
        self.refused = False

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if size < 0:
            size = _JSON_BLOCK
        if self.bounded and self.position - self.mark > MAX_ITEM_BYTES:
            self.refused = self._ended = True
        if self._slow_from is not None and self.position + size > self._slow_from:
            size = max(self._slow_from - self.position, 1)
        block = b"" if self._ended else self._take(size)
        self._lines += self._last.count(b"\n")
        self._last = block
        self.position += len(block)
        return block

    def end(self) -> None:
        """From now on the file ends for the parser."""
        self._ended = True

    def block_start(self) -> int:
        """Where the last block handed out began: what the parser reports next comes from it or later."""
        return self.position - len(self._last)

    def line(self) -> int:
        """The line of the last byte handed out (of the end of the file, once it was reached)."""
        return self._lines + self._last[:-1].count(b"\n") + 1

    def _take(self, size: int) -> bytes:
        if self._offset >= len(self._pending):
            self._pending, self._offset = self._fill(), 0
        block = self._pending[self._offset: self._offset + size]
        self._offset += len(block)
        return block

    def _fill(self) -> bytes:
        while True:
            raw = self._handle.read(_JSON_BLOCK)
            if self._skip_bom and self.position == 0 and not self._pending:
                self._skip_bom = False
                raw = raw.removeprefix(codecs.BOM_UTF8)
                if not raw:
                    continue
            if self._decoder is None:
                return raw
            text = self._decoder.decode(raw, final=not raw)
            if text or not raw:
                return text.encode("utf-8", "replace")


def _abandon(events: Iterator[Any], stream: _JsonBytes) -> None:
    """Let a parser the reader is done with run to the (early) end of its file, so it is not left half-way."""
    stream.end()
    with contextlib.suppress(*_NOT_JSON):
        for _ in events:
            pass


def _problem(error: Exception) -> str:
    """What a parser error says, on one line and without the parser's own notion of a position."""
    if isinstance(error, json.JSONDecodeError):
        return error.msg
    text = str(error).split("\n", 1)[0].strip()
    text = re.sub(r"^(parse|lexical) error: ", "", text).rstrip(".")
    text = re.sub(r" at \d+$", "", text)
    if text in ("premature EOF", "Incomplete JSON content", "Incomplete string lexeme"):
        return "the file ends in the middle of the JSON (was it cut short?)"
    if text in ("trailing garbage", "Additional data found"):
        return "more text after the end of the JSON document"
    if text == "integer overflow":  # yajl reads whole numbers as 64-bit integers
        return f"a whole number larger than {2**63 - 1}: put it in quotes to keep it as text"
    if text == "numeric (floating point) overflow" or text.startswith("float overflow"):
        return "a number too large to read"
    return text


@dataclass(slots=True)
class _Survey:
    """What the first pass over a JSON file learned: where the people are, their columns, how many."""

    prefix: str
    headers: list[str]
    count: int


def _survey(path: Path, codec: str) -> _Survey:
    """Read the whole document once as parser events, holding one item's keys at a time: check that it is
    JSON, nested at most MAX_DEPTH deep, with items of at most MAX_ITEM_BYTES; find the list of people,
    count them and collect their columns (every key of every object, flattened as :func:`_flatten` does,
    in the order they first appear)."""
    headers: dict[str, None] = {}
    count = depth = 0
    #: The depth inside an item of the list of people (the list's own depth + 1), while one is open.
    items_at = _NO_LIST
    document = ""
    wrapper_seen = wrapper_next = found = False
    is_object = False
    item: dict[str, dict[str, None] | None] = {}
    nested: dict[str, None] = {}
    key = ""
    with path.open("rb") as handle:
        stream = _JsonBytes(handle, codec)
        events = JSON_PARSER.basic_parse(stream, buf_size=_JSON_BLOCK, use_float=True)
        try:
            for event, value in events:
                if event == "map_key":
                    if depth == items_at:
                        key = value
                        item[key] = None
                    elif depth == items_at + 1:
                        nested[value] = None
                    elif depth < items_at:
                        stream.mark = stream.position
                        wrapper_next = depth == 1 and value == _WRAPPER
                        if wrapper_next and wrapper_seen:
                            _abandon(events, stream)
                            raise ImportFileError(f"{path}: the key {_WRAPPER!r} appears twice at the top of the "
                                                  f"document: keep one list of people")
                        if depth == 1 and value == _WRAPPED_ITEMS:
                            _abandon(events, stream)
                            raise ImportFileError(f"{path}: a key named {_WRAPPED_ITEMS!r} at the top of the "
                                                  f"document would be read as people: rename it")
                        wrapper_seen = wrapper_seen or wrapper_next
                elif event == "start_map" or event == "start_array":
                    depth += 1
                    if depth > MAX_DEPTH:
                        slow_from = stream.block_start()
                        _abandon(events, stream)
                        raise ImportFileError(too_deep_at(path, _line_of_failure(path, codec, slow_from)))
                    if depth == items_at:
                        is_object, item, nested = event == "start_map", {}, {}
                    elif depth == items_at + 1:
                        if event == "start_map" and is_object:
                            nested = item[key] = {}
                        else:
                            nested = {}
                    elif depth < items_at:
                        stream.mark = stream.position
                        if depth == 1:
                            document = "dict" if event == "start_map" else "list"
                            if document == "list":
                                items_at, found = 2, True
                        elif wrapper_next and event == "start_array":
                            items_at, found = 3, True
                        wrapper_next = False
                elif event == "end_map" or event == "end_array":
                    if depth == items_at:
                        count += 1
                        stream.mark = stream.position
                        for name, inner in item.items():
                            if inner is None:
                                headers[name] = None
                            else:
                                for inner_name in inner:
                                    headers[f"custom.{inner_name}" if name == "custom" else inner_name] = None
                    elif depth < items_at:
                        stream.mark = stream.position
                        if depth == items_at - 1:
                            items_at = _NO_LIST
                    depth -= 1
                elif depth == items_at - 1:
                    count += 1
                    stream.mark = stream.position
                elif depth < items_at:
                    stream.mark = stream.position
                    wrapper_next = False
                    if depth == 0:
                        document = _SCALAR_TYPES.get(event) or type(value).__name__
        except _NOT_JSON as error:
            problem: str | None = _problem(error)
            slow_from = stream.block_start()
        else:
            problem = None
    if stream.refused:
        if items_at == _NO_LIST:
            raise ImportFileError(f"{path}: a value outside the list of people takes more than "
                                  f"{MAX_ITEM_BYTES:,} bytes of JSON")
        raise ImportFileError(f"{path} item {count + 1}: more than {MAX_ITEM_BYTES:,} bytes of JSON for one "
                              f"person (is a whole file pasted into a field?)")
    if problem is not None:
        line = _line_of_failure(path, codec, slow_from)
        raise ImportFileError(f"{path} line {line}: not valid JSON: {problem}")
    if not found:
        raise ImportFileError(
            f"{path}: expected a JSON list of objects (one per person), got {document}")
    return _Survey("item" if document == "list" else _WRAPPED_ITEMS, list(headers), count)


def _line_of_failure(path: Path, codec: str, slow_from: int) -> int:
    """The line where the parser found what the first pass refused (a syntax error, or nesting deeper than
    MAX_DEPTH): the file is parsed again up to the block where that happened, then one byte at a time."""
    depth = 0
    with path.open("rb") as handle:
        stream = _JsonBytes(handle, codec, bounded=False, slow_from=slow_from)
        events = JSON_PARSER.basic_parse(stream, buf_size=_JSON_BLOCK, use_float=True)
        try:
            for event, _ in events:
                if event == "start_map" or event == "start_array":
                    depth += 1
                    if depth > MAX_DEPTH:
                        line = stream.line()
                        _abandon(events, stream)
                        return line
                elif event == "end_map" or event == "end_array":
                    depth -= 1
        except _NOT_JSON:
            return stream.line()
    return 1


def _json_source(path: Path, codec: str) -> Source:
    """A JSON list of people (or ``{"influencers": [...]}``), streamed: a first pass checks the document
    and collects the columns (:func:`_survey`), the rows then build one item at a time."""
    survey = _survey(path, codec)

    def rows() -> Iterator[SourceRow]:
        with path.open("rb") as handle:
            stream = _JsonBytes(handle, codec, bounded=False)
            items = JSON_PARSER.items(stream, survey.prefix, buf_size=_JSON_BLOCK, use_float=True)
            number = 0
            try:
                for number, item in enumerate(items, start=1):
                    if isinstance(item, dict):
                        yield SourceRow(f"item {number}", number, _flatten(item))
                    else:
                        yield SourceRow(f"item {number}", number, {},
                                        f"expected an object, got {type(item).__name__}")
            except _NOT_JSON as error:
                raise ImportFileError(f"{path}: changed while it was imported (after item {number}: "
                                      f"{_problem(error)}); import it again") from None
            finally:
                _abandon(items, stream)  # when the import stops early

    return Source(path, survey.headers, rows(), survey.count, "item")
