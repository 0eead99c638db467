"""How a template greets someone: ``influencer.first_name`` from a full name, only when that is safe.

The rule (documented in the README): a first name set by hand (``influencers set ID first_name=...``, a
``First name`` import column, ``custom.first_name``) always wins. Otherwise the first word of the name is
used only when the name looks like "Given Family" in a Latin-like script:

- a name in Chinese, Japanese or Korean script is used whole (the family name comes first there: the
  first word of 山田 太郎 is the family name);
- "Family, Given" (a comma) gives the word after the comma (``O'Brien, Pat`` → ``Pat``, never
  ``O'Brien,``);
- a title or honorific first (Miss, Mr, Dr, Mme, Herr, Sra...), an initial (``J. Smith``), a lower-case
  particle (``de la Cruz``), digits or symbols (``Tech & Tea``, ``Studio42``) make the first word unsafe:
  the full name is used;
- otherwise the first word, without trailing punctuation.
"""

from __future__ import annotations

import re

#: Titles and honorifics (folded: lower case, no dots) that are never a first name.
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lady", "lord", "rev", "fr", "sr", "sra",
    "srta", "mme", "mlle", "m", "herr", "frau", "dott", "dottssa", "sig", "sigra", "don", "doña", "dona",
    "mrs.", "madam", "madame", "monsieur", "señor", "señora", "senhor", "senhora", "hr", "fru",
})
_CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_UNSAFE = re.compile(r"[\d&@#|/+_]")
_TRAILING = ",.;:!?"


def greeting_name(name: str | None, first_name: str | None = None) -> str | None:
    """What ``{{ influencer.first_name }}`` says (see the module's rule); None without any name."""
    if first_name and first_name.strip():
        return first_name.strip()
    if not name or not name.strip():
        return None
    full = " ".join(name.split())
    if _CJK.search(full) or _UNSAFE.search(full):
        return full
    if "," in full:
        family, _, given = full.partition(",")
        given_words = given.split()
        if family.strip() and given_words and len(given_words) <= 2:
            return _first_word_or(given_words, given.strip())
        return full.rstrip(_TRAILING)
    return _first_word_or(full.split(), full)


def _first_word_or(words: list[str], full: str) -> str:
    first = words[0].rstrip(_TRAILING)
    folded = first.lower().rstrip(".")
    if len(words) == 1:
        return first or full
    if folded in TITLES or len(folded) <= 1 or (first[:1].islower() and not first[:1].isdigit()):
        return full
    return first
