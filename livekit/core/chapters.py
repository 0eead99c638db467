"""YouTube chapters from when segments actually started: the one chapter builder, used by the after-show
report (``livekit report -f chapters``) and by the YouTube session that writes them into the VOD description.

YouTube shows chapters only when the list starts at ``00:00``, has at least three entries and each lasts
at least ten seconds; otherwise it silently ignores them. So the list is always built (the producer may
fix it by hand) and every reason YouTube would ignore it comes back as a warning. Pure: no clock, no I/O.

Chapters follow what aired (:func:`aired_chapters`): one chapter per airing of a segment, in the order
they aired. A segment you came back to gets a chapter at each return, titled ``Title (part 2)``,
``Title (part 3)``…; airings of no length are left out, and airings of the same segment that end up
next to each other merge into one chapter.

What the YouTube session writes goes through :func:`youtube_chapter_plan`, which enforces the rules instead
of warning about them (YouTube ignores a list that breaks any, or refuses a description with ``<``/``>``),
and :func:`description_with_chapters`, which keeps what the team wrote above :data:`CHAPTERS_MARKER`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from livekit.core.durations import format_clock

MIN_CHAPTERS = 3
MIN_CHAPTER_MS = 10_000
#: The line above which the description belongs to the team (edited in YouTube Studio, kept as it is) and
#: below which Greenroom writes the chapters (replaced each time they are written).
CHAPTERS_MARKER = "— Chapters (Greenroom) —"
#: YouTube refuses a description containing these (videos.update ``invalidDescription``); in chapter titles
#: they become the look-alike single angle quotes.
_REFUSED_IN_DESCRIPTION = str.maketrans({"<": "‹", ">": "›"})


def chapter_time(ms: int) -> str:
    """``05:30`` below an hour, ``1:02:03`` from then on (YouTube reads both)."""
    stamp = format_clock(max(0, ms))
    return stamp if len(stamp) > 4 else "0" + stamp


def aired_chapters(segments: Iterable[tuple[str, Sequence[tuple[int, int | None]]]]) -> list[tuple[int, str]]:
    """(start offset in ms, chapter title) for each airing, from (title, airings) per segment in rundown order.

    Airings are ``(start, end)`` from the show's start, ``end`` None while on air (see
    ``livekit.core.show.SegmentStatus.airings``).
    """
    segments_list = list(segments)
    stays = sorted(
        (start, index)
        for index, (_, airings) in enumerate(segments_list)
        for start, end in airings
        if end is None or end > start
    )
    merged: list[tuple[int, int]] = []
    for start, index in stays:
        if not merged or merged[-1][1] != index:
            merged.append((start, index))
    seen: dict[int, int] = {}
    chapters = []
    for start, index in merged:
        seen[index] = seen.get(index, 0) + 1
        title = segments_list[index][0]
        chapters.append((start, title if seen[index] == 1 else f"{title} (part {seen[index]})"))
    return chapters


def youtube_chapters(starts: Iterable[tuple[int, str]], end_ms: int | None = None) -> tuple[list[str], list[str]]:
    """``00:00 Title`` lines and warnings from (start offset in ms from the show's start, title) pairs.

    Chapters are ordered by start and the first one is put at ``00:00`` as YouTube requires; titles are
    kept on one line. ``end_ms`` (the show's length, when known) lets the last chapter's length be checked.
    """
    ordered = sorted((max(0, start), " ".join(title.split())) for start, title in starts)
    if ordered:
        ordered[0] = (0, ordered[0][1])
    lines = [f"{chapter_time(start)} {title}" for start, title in ordered]
    warnings = []
    if len(ordered) < MIN_CHAPTERS:
        warnings.append(f"YouTube needs at least {MIN_CHAPTERS} chapters; this show has {len(ordered)}")
    ends: list[int | None] = [*(start for start, _ in ordered[1:]), end_ms]
    for (start, title), end in zip(ordered, ends, strict=True):
        if end is not None and end - start < MIN_CHAPTER_MS:
            warnings.append(f"chapter {title!r} lasts {format_clock(end - start)}; "
                            f"YouTube needs at least {MIN_CHAPTER_MS // 1000} seconds")
    return lines, warnings


@dataclass(frozen=True)
class ChapterPlan:
    """Chapter lines YouTube will accept, what had to change to get there (``notes``), and ``problem`` when no
    valid list exists (then ``lines`` is empty: nothing should be written)."""

    lines: list[str]
    notes: list[str] = field(default_factory=list)
    problem: str | None = None


def youtube_title(title: str) -> str:
    """A chapter title YouTube accepts: one line, no ``<`` or ``>``."""
    return " ".join(title.split()).translate(_REFUSED_IN_DESCRIPTION)


def youtube_chapter_plan(starts: Iterable[tuple[int, str]], end_ms: int | None = None) -> ChapterPlan:
    """Valid YouTube chapters from (start in ms from the video's first frame, title) pairs.

    YouTube's rules are enforced, not just reported: what aired before the video started (negative starts)
    collapses into the chapter on air at ``00:00``; a chapter shorter than 10 seconds (including the last,
    when ``end_ms`` is known) is left out, its time going to the chapter before it (or, for the first, to the
    next one, which then starts at ``00:00``); starts are strictly ascending; titles lose ``<``/``>``. Fewer
    than three chapters left is a ``problem``: YouTube would ignore the list, so none is returned.
    """
    ordered = sorted((start, youtube_title(title)) for start, title in starts)
    notes: list[str] = []
    before_video = [title for start, title in ordered if start <= 0]
    for title in before_video[:-1]:
        notes.append(f"chapter {title!r} aired before the YouTube video started: left out")
    kept: list[tuple[int, str]] = [(0, before_video[-1])] if before_video else []
    for start, title in ordered[len(before_video):]:
        while kept and start - kept[-1][0] < MIN_CHAPTER_MS:
            short_start, short_title = kept.pop()
            notes.append(_too_short(short_title, start - short_start))
        kept.append((start, title))
    if end_ms is not None and kept and end_ms - kept[-1][0] < MIN_CHAPTER_MS and len(kept) > 1:
        last_start, last_title = kept.pop()
        notes.append(_too_short(last_title, end_ms - last_start))
    if kept:
        kept[0] = (0, kept[0][1])
    if len(kept) < MIN_CHAPTERS:
        problem = (f"this show cannot make valid YouTube chapters: {len(kept)} chapter(s) of at least "
                   f"{MIN_CHAPTER_MS // 1000} seconds, YouTube needs at least {MIN_CHAPTERS}; chapters not written")
        return ChapterPlan([], notes, problem)
    return ChapterPlan([f"{chapter_time(start)} {title}" for start, title in kept], notes)


def _too_short(title: str, length_ms: int) -> str:
    return (f"chapter {title!r} lasted {format_clock(max(0, length_ms))}; YouTube needs at least "
            f"{MIN_CHAPTER_MS // 1000} seconds: left out")


def description_with_chapters(description: str, chapter_lines: list[str], marker: str = CHAPTERS_MARKER) -> str:
    """``description`` with the chapter block written below ``marker``: everything above the marker line (the
    team's text, as YouTube has it now) is kept; a block written before is replaced."""
    lines = description.splitlines()
    kept = "\n".join(lines[: lines.index(marker)]) if marker in lines else description
    block = "\n".join([marker, *chapter_lines])
    return f"{kept.rstrip()}\n\n{block}" if kept.strip() else block
