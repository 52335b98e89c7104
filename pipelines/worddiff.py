"""Word-level differences between two texts: the counts `changes` and `timeline` report, and
the grouped differences `diff` shows. Pure functions, linear enough for 40,000-word policies."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class WordChanges:
    added: int  # words in the new text that are not in the old one, in order
    removed: int  # words of the old text that are gone

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_changes(old: str | None, new: str | None) -> WordChanges:
    """How many words were added and removed from `old` to `new` (None: no text)."""
    before, after = words(old or ""), words(new or "")
    added = removed = 0
    for tag, first, last, start, end in _opcodes(before, after):
        if tag in ("replace", "delete"):
            removed += last - first
        if tag in ("replace", "insert"):
            added += end - start
    return WordChanges(added, removed)


@dataclass(frozen=True, slots=True)
class Hunk:
    """A run of changed words with the unchanged words around them, for display."""

    before: str  # context before
    removed: str
    added: str
    after: str  # context after


def word_hunks(old: str | None, new: str | None, context: int = 6) -> list[Hunk]:
    """The changed runs of words, each with `context` words either side."""
    before, after = words(old or ""), words(new or "")
    hunks = []
    for tag, first, last, start, end in _opcodes(before, after):
        if tag == "equal":
            continue
        hunks.append(
            Hunk(
                " ".join(before[max(0, first - context) : first]),
                " ".join(before[first:last]),
                " ".join(after[start:end]),
                " ".join(before[last : last + context]),
            )
        )
    return hunks


def _opcodes(before: list[str], after: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    # autojunk off: in a long policy "the" and "we" are not noise to skip, they are the text
    return difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # "same", "removed" or "added"
    text: str  # words joined by spaces; a paragraph break inside a change is a "\n"


@dataclass(frozen=True, slots=True)
class ParagraphChange:
    """One changed paragraph (or a run of them, where paragraphs were split or merged), with
    its words marked; numbers count paragraphs from 1 in each text (None: not in that text)."""

    old_first: int | None
    new_first: int | None
    segments: tuple[Segment, ...]

    @property
    def added(self) -> int:
        return sum(len(words(s.text)) for s in self.segments if s.kind == "added")

    @property
    def removed(self) -> int:
        return sum(len(words(s.text)) for s in self.segments if s.kind == "removed")


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def paragraph_diff(old: str | None, new: str | None) -> list[ParagraphChange]:
    """The changed paragraphs from `old` to `new`: paragraphs are aligned first, then the words
    of each changed run are compared, so an edit shows in the paragraph it was made in."""
    before, after = paragraphs(old), paragraphs(new)
    changes = []
    for tag, first, last, start, end in _opcodes(before, after):
        if tag == "equal":
            continue
        if tag == "delete":
            for number in range(first, last):
                changes.append(
                    ParagraphChange(number + 1, None, (Segment("removed", before[number]),))
                )
        elif tag == "insert":
            for number in range(start, end):
                changes.append(
                    ParagraphChange(None, number + 1, (Segment("added", after[number]),))
                )
        elif last - first == end - start:
            for offset in range(last - first):
                segments = _word_segments([before[first + offset]], [after[start + offset]])
                changes.append(ParagraphChange(first + offset + 1, start + offset + 1, segments))
        else:
            segments = _word_segments(before[first:last], after[start:end])
            changes.append(ParagraphChange(first + 1, start + 1, segments))
    return changes


_BREAK = "\n"


def _tokens(block: list[str]) -> list[str]:
    tokens: list[str] = []
    for paragraph in block:
        if tokens:
            tokens.append(_BREAK)
        tokens.extend(words(paragraph))
    return tokens


def _word_segments(old_block: list[str], new_block: list[str]) -> tuple[Segment, ...]:
    before, after = _tokens(old_block), _tokens(new_block)
    segments = []
    for tag, first, last, start, end in _opcodes(before, after):
        if tag == "equal":
            segments.append(Segment("same", _join(before[first:last])))
            continue
        if tag in ("replace", "delete"):
            segments.append(Segment("removed", _join(before[first:last])))
        if tag in ("replace", "insert"):
            segments.append(Segment("added", _join(after[start:end])))
    return tuple(segments)


def _join(tokens: list[str]) -> str:
    return " ".join(tokens).replace(f" {_BREAK} ", _BREAK).replace(f"{_BREAK} ", _BREAK)
