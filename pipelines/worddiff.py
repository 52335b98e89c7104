"""Word-level differences between two texts: the counts `changes` and `timeline` report, and
the grouped differences `diff` shows. Pure functions, linear enough for 40,000-word policies."""

from __future__ import annotations

import difflib
import re
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


def _opcodes(before: list[str], after: list[str]) -> list[tuple[str, int, int, int, int]]:
    # autojunk off: in a long policy "the" and "we" are not noise to skip, they are the text
    return difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
