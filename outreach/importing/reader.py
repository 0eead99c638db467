"""Read a CSV (any Excel dialect, UTF-8 with or without BOM) or JSON list into rows that know their line."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.errors import GreenroomError
from outreach.importing.encodings import guess_encoding


class ImportFileError(GreenroomError):
    """The file cannot be imported as a whole; the message names the file, the line and the problem."""


@dataclass
class SourceRow:
    where: str
    values: dict[str, Any]
    problem: str | None = None


@dataclass
class Source:
    """An opened import file: its column headers and its rows (read lazily)."""

    path: Path
    headers: list[str]
    rows: Iterator[SourceRow]
    count: int


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


def open_source(path: Path, encoding: str | None = None) -> Source:
    """Open a ``.json`` file as a list of objects, anything else as CSV with a sniffed dialect."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read: {error.strerror}") from None
    text = decode(path, data, encoding)
    if not text.strip():
        raise ImportFileError(f"{path} is empty: nothing to import")
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        return _json_source(path, text)
    return _csv_source(path, text)


def _csv_source(path: Path, text: str) -> Source:
    stream = io.StringIO(text, newline="")
    first_line = text.split("\n", 1)[0].strip()
    dialect: Any
    skipped = 0
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        # Excel's "sep=;" hint line: use that delimiter and skip the line.
        dialect = type("ExcelHinted", (csv.excel,), {"delimiter": first_line[4]})
        stream.readline()
        skipped = 1
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    reader = csv.reader(stream, dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path} is empty: nothing to import") from None
    except csv.Error as error:
        raise ImportFileError(f"{path} line {1 + skipped}: unreadable header: {error}") from None
    headers = [header.strip() for header in headers]
    duplicates = sorted({header for header in headers if header and headers.count(header) > 1})
    if duplicates:
        raise ImportFileError(
            f"{path} line {1 + skipped}: the column {duplicates[0]!r} appears twice in the header")
    count = max(text.count("\n") - 1, 0)

    def rows() -> Iterator[SourceRow]:
        while True:
            line = reader.line_num + 1 + skipped
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise ImportFileError(f"{path} line {line}: {error}") from None
            if not "".join(cells).strip():
                continue
            if len(cells) > len(headers) and any(cell.strip() for cell in cells[len(headers):]):
                yield SourceRow(f"line {line}", {}, (
                    f"{len(cells)} values but the header has {len(headers)} columns "
                    f"(is a value containing the delimiter {dialect.delimiter!r} missing its quotes?)"))
                continue
            yield SourceRow(f"line {line}", dict(zip(headers, cells, strict=False)))

    return Source(path, headers, rows(), count)


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
                yield SourceRow(f"item {number}", {}, f"expected an object, got {type(item).__name__}")
                continue
            yield SourceRow(f"item {number}", item)

    return Source(path, list(headers), rows(), len(flattened))
