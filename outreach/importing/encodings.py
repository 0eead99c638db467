"""Which encoding a file that is not UTF-8 was most likely saved in, so the error can say what to pass.

Latin-1 is never suggested: it decodes every byte, so it "works" while turning the Windows-1252 characters
Excel writes in French and German files (``€ ’ œ …`` at 0x80-0x9F) into invisible control characters.
Decode tries are enough for what spreadsheets produce: a candidate wins when it decodes and the text it
gives reads like its script (letters and typographic punctuation, no control characters, no symbols inside
words, and not mostly words made only of accented letters, which is what Cyrillic looks like through
Windows-1252). A guess is a hint in an error message, never applied silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Guess:
    codec: str
    description: str


#: Tried in order: Excel on Windows in Western Europe and the Americas first, then its other code pages,
#: then Mac and the multi-byte East Asian encodings (strict decoders: random bytes rarely pass).
_CANDIDATES = (
    Guess("cp1252", "Windows-1252, as Excel saves it"),
    Guess("cp1250", "Windows-1250 (Central European), as Excel saves it"),
    Guess("cp1251", "Windows-1251 (Cyrillic), as Excel saves it"),
    Guess("mac_roman", "Mac Roman, as older Mac Excel saves it"),
    Guess("shift_jis", "Shift JIS (Japanese)"),
    Guess("gb18030", "GB18030 (Chinese)"),
    Guess("euc_kr", "EUC-KR (Korean)"),
)
#: Symbols Western spreadsheets hold next to letters or digits (O’Brien, « Zoé », 3 €, 12°).
_USUAL_SYMBOLS = set("€’‘“”„«»–—…•°\u00a0")
_WORDS = re.compile(r"[^\W\d_]{3,}")
_SCRIPTS = {"cp1252": "LATIN", "cp1250": "LATIN", "mac_roman": "LATIN", "cp1251": "CYRILLIC"}


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] == "L"


def _reads_like(text: str, codec: str) -> bool:
    """Whether decoded text looks like real text of the code page's script rather than mis-decoded bytes."""
    script = _SCRIPTS.get(codec)
    for index, char in enumerate(text):
        if ord(char) < 128:
            continue
        category = unicodedata.category(char)
        neighbours = text[max(index - 1, 0): index] + text[index + 1: index + 2]
        if category[0] == "C":
            return False
        if category[0] == "L":
            name = unicodedata.name(char, "")
            if script and not name.startswith(script):
                return False
            if script != "LATIN" and any(n.isascii() and n.isalpha() for n in neighbours):
                return False  # glued to a Latin letter: Latin bytes read as a Cyrillic or CJK encoding
        elif char not in _USUAL_SYMBOLS and any(_is_letter(n) for n in neighbours):
            return False  # "£ukasz", "Imiê³": symbols inside words are letters of another code page
    if script == "LATIN":
        # Cyrillic or Greek bytes through a Latin code page: mostly whole words of accented letters
        # ("Ïðèâåò"), where real text has a few ("Żółć") among words that mix them with plain letters.
        accented = [word for word in _WORDS.findall(text) if not word.isascii()]
        whole = sum(all(ord(char) > 127 for char in word) for word in accented)
        return whole * 2 <= len(accented)
    return True


def guess_encoding(data: bytes) -> Guess | None:
    """The most likely encoding of ``data`` (which is not UTF-8), or None when nothing reads right."""
    sample = data[:1_000_000]
    for guess in _CANDIDATES:
        try:
            text = sample.decode(guess.codec)
        except UnicodeDecodeError as error:
            if error.start < len(sample) - 4:  # the sample may cut a multi-byte character at its end
                continue
            text = sample[: error.start].decode(guess.codec)
        if _reads_like(text, guess.codec):
            return guess
    return None
