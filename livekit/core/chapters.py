"""YouTube chapters from when segments actually started: the one chapter builder, used by the after-show
report (``livekit report -f chapters``) and by the YouTube session that writes them into the VOD description.

YouTube shows chapters only when the list starts at ``00:00``, has at least three entries and each lasts
at least ten seconds; otherwise it silently ignores them. So the list is always built (the producer may
fix it by hand) and every reason YouTube would ignore it comes back as a warning. Pure: no clock, no I/O.

Chapters follow what aired (:func:`aired_chapters`): one chapter per airing of a segment, in the order
they aired. A segment you came back to gets a chapter at each return, titled ``Title (part 2)``,
``Title (part 3)``…; airings of no length are left out, and airings of the same segment that end up
next to each other merge into one chapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from livekit.core.durations import format_clock

MIN_CHAPTERS = 3
MIN_CHAPTER_MS = 10_000


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
