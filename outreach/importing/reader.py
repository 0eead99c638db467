"""Read a CSV (any Excel dialect, UTF-8 with or without BOM) or JSON list into rows that know their line."""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import GreenroomError
from greenroom.nesting import too_deep
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


#: Text read at the start of a file to tell JSON from CSV, find Excel's ``sep=`` hint and sniff the dialect.
HEAD_CHARACTERS = 65536
#: Bytes read at a time when counting a file's lines.
_BLOCK = 1 << 20


def _encoding_of(path: Path, encoding: str | None) -> str:
    """The codec to read ``path`` with: the one given, else UTF-16 when the file starts with its BOM, else
    UTF-8 with or without BOM."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(f"{path}: unknown encoding {encoding!r}") from None
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

    A CSV file is streamed: its rows are read one at a time, so a million-row file costs no more memory
    than a small one. A JSON document is parsed whole (the standard library has no streaming parser)."""
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
        return _json_source(path, path.read_text(encoding=codec))
    return _csv_source(path, codec, head, lines, encoding)


def _csv_source(path: Path, codec: str, head: str, lines: int, encoding: str | None) -> Source:
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
    duplicates = sorted({header for header in headers if header and headers.count(header) > 1})
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


def _json_source(path: Path, text: str) -> Source:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"{path} line {error.lineno}: not valid JSON: {error.msg}") from None
    except RecursionError:
        raise ImportFileError(too_deep(path, text)) from None
    if isinstance(document, dict) and isinstance(document.get("influencers"), list):
        document = document["influencers"]
    if not isinstance(document, list):
        raise ImportFileError(
            f"{path}: expected a JSON list of objects (one per person), got {type(document).__name__}")
    headers: dict[str, None] = {}
    flattened: list[tuple[int, Any]] = []
    for number, item in enumerate(document, start=1):
        if isinstance(item, dict):
            item = _flatten(item)
            headers.update(dict.fromkeys(item))
        flattened.append((number, item))

    def rows() -> Iterator[SourceRow]:
        for number, item in flattened:
            if not isinstance(item, dict):
                yield SourceRow(f"item {number}", number, {}, f"expected an object, got {type(item).__name__}")
                continue
            yield SourceRow(f"item {number}", number, item)

    return Source(path, list(headers), rows(), len(flattened), "item")
