"""Change-point fetching: which captures of a URL to replay so every change of its text is found
with few replays (issue 12). Pure: it is told texts, it answers which captures to fetch next.

A URL's captures in time order are first collapsed into slots, runs of one payload (the same
digest). Fetching every slot finds every change; here the two ends are fetched first, and a
range between two fetched slots is looked inside (at its middle) only while the texts at its
ends differ. A range whose ends show one text is settled without fetching its inside: its
slots are recorded as inside an unchanged range, pointing at the two ends. When the ends
differ the range is halved until the change sits between neighbouring slots (exact), or until
it spans no more than `precision` (coarse: fewer replays, but a version shorter than that span
can be missed whole). A text that changes and comes back
inside a range whose ends agree (A -> B -> A) is the risk: `sample_every` fetches one slot per
that span inside long settled ranges, as probes, to catch it.

A slot whose digest was fetched before (in this run or an earlier one) is known without a
replay: `learn` it up front. Failed fetches are learnt as None: such a slot is neither an end
nor a text, and the search goes around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crawler.outcomes import Outcome, Reason
from crawler.selection import DUPLICATE
from crawler.targets import Target
from crawler.wayback import CdxRecord, parse_timestamp


@dataclass(frozen=True, slots=True)
class Slot:
    """A run of consecutive captures with one digest: its first and last timestamps."""

    digest: str
    first: str
    last: str
    captures: int


def slots(captures: Sequence[tuple[str, str]]) -> list[Slot]:
    """(timestamp, digest) pairs in time order as slots: runs of one digest."""
    found: list[Slot] = []
    for timestamp, digest in captures:
        if found and found[-1].digest == digest:
            last = found[-1]
            found[-1] = Slot(digest, last.first, timestamp, last.captures + 1)
        else:
            found.append(Slot(digest, timestamp, timestamp, 1))
    return found


UNKNOWN = object()  # a slot not fetched (yet)


@dataclass(slots=True)
class ChangePoints:
    """The search over one URL's slots. Ask `wanted()` for the slots to fetch now (any order,
    all at once), `learn()` each one's text key (a hash of its text; None when it failed or
    holds no text), until `done`."""

    slots: Sequence[Slot]
    precision: timedelta | None = None  # None: down to neighbouring slots
    sample_every: timedelta | None = None  # probes inside settled ranges; None: none
    _texts: dict[int, object] = field(default_factory=dict)
    _asked: set[int] = field(default_factory=set)
    # Derived once from `slots`: where each payload is, and each slot's moments.
    _by_digest: dict[str, list[int]] = field(init=False)
    _moments: list[tuple[datetime, datetime]] = field(init=False)

    def __post_init__(self) -> None:
        self._by_digest = {}
        for index, slot in enumerate(self.slots):
            self._by_digest.setdefault(slot.digest, []).append(index)
        self._moments = [
            (parse_timestamp(slot.first), parse_timestamp(slot.last)) for slot in self.slots
        ]

    def learn(self, index: int, text: str | None) -> None:
        self._texts[index] = text
        self._asked.discard(index)
        if text is None:
            return  # a failed fetch says nothing of the same payload captured elsewhere
        # The same payload elsewhere in the URL's history shows the same text.
        for other in self._by_digest[self.slots[index].digest]:
            if self._texts.get(other) is None:
                self._texts[other] = text

    def known(self, index: int) -> object:
        return self._texts.get(index, UNKNOWN)

    def wanted(self) -> list[int]:
        """The slots to fetch next that are not already asked for."""
        return [index for index in dict.fromkeys(self._needed()) if index not in self._asked]

    def ask(self, indexes: Sequence[int]) -> None:
        """Mark slots as being fetched, so `wanted` does not name them again."""
        self._asked.update(indexes)

    @property
    def done(self) -> bool:
        return not self._asked and not self._needed()

    def _ends(self) -> list[int]:
        """Fetched slots with a text, in order."""
        return sorted(index for index, text in self._texts.items() if text is not None)

    def _ranges(self) -> list[tuple[int, int, bool]]:
        """Each pair of neighbouring fetched slots with a text, and whether their texts agree."""
        ends = self._ends()
        return [
            (left, right, self._texts[left] == self._texts[right])
            for left, right in zip(ends, ends[1:], strict=False)
        ]

    def _needed(self) -> list[int]:
        needed = [edge for edge in self._edges() if edge not in self._texts]
        if needed:
            return needed
        for left, right, same in self._ranges():
            inside = self._unfetched_between(left, right)
            if not inside:
                continue
            if not same:
                if self.precision and self._span(left, right) <= self.precision:
                    continue
                needed.append(inside[len(inside) // 2])
            elif self.sample_every is not None:
                needed.extend(self._probes(left, inside))
        return needed

    def _edges(self) -> list[int]:
        """The first and last slots that have not failed: where the search starts."""
        edges: list[int] = []
        for order in (range(len(self.slots)), reversed(range(len(self.slots)))):
            for index in order:
                if self._texts.get(index, UNKNOWN) is not None:
                    edges.append(index)
                    break
        return edges

    def _unfetched_between(self, left: int, right: int) -> list[int]:
        return [index for index in range(left + 1, right) if index not in self._texts]

    def _span(self, left: int, right: int) -> timedelta:
        return self._moments[right][0] - self._moments[left][1]

    def _probes(self, left: int, inside: list[int]) -> list[int]:
        """One slot per `sample_every` inside a settled range, counted from its left end (once
        fetched, they split the range into parts that need none)."""
        assert self.sample_every is not None
        probes, next_at = [], self._moments[left][1] + self.sample_every
        for index in inside:
            if self._moments[index][0] >= next_at:
                probes.append(index)
                next_at = self._moments[index][0] + self.sample_every
        return probes

    def settled(self) -> list[tuple[int, int, int]]:
        """Each slot not fetched inside an unchanged range, with the fetched slots of one text
        around it: (slot, left, right)."""
        return [
            (index, left, right)
            for left, right, same in self._ranges()
            if same
            for index in self._unfetched_between(left, right)
        ]

    def changes(self) -> list[tuple[int, int]]:
        """Each located change: the fetched slots (before, after) whose texts differ."""
        return [(left, right) for left, right, same in self._ranges() if not same]


@dataclass(frozen=True, slots=True)
class Unfetched:
    """A listed row the search decided not to replay, and why."""

    record: CdxRecord
    reason: Reason
    text_from: str | None = None  # the digest of a fetched page whose text it has, if known


@dataclass(slots=True)
class UrlPlan:
    """One listed URL's rows under change-point fetching: collected while the URL is listed,
    searched once its listing ends. Which row of a slot to replay, and what becomes of the rows
    never replayed, is decided here; the spider does the fetching and says what each replay
    showed."""

    target: Target
    via: str | None
    listing: str  # the URL listed
    precision: timedelta | None = None
    sample_every: timedelta | None = None
    records: list[CdxRecord] = field(default_factory=list)
    search: ChangePoints | None = None
    members: list[list[CdxRecord]] = field(default_factory=list)  # each slot's rows, in order
    _handed: dict[int, int] = field(default_factory=dict)  # slot -> rows handed out to fetch

    def add(self, record: CdxRecord) -> None:
        self.records.append(record)

    def begin(self) -> None:
        """The listing ended: the rows in time order, as slots."""
        self.records.sort(key=lambda record: record.timestamp)
        pairs = [(record.timestamp, record.digest) for record in self.records]
        found = slots(pairs)
        self.members, start = [], 0
        for slot in found:
            self.members.append(self.records[start : start + slot.captures])
            start += slot.captures
        self.records = []
        self.search = ChangePoints(found, self.precision, self.sample_every)

    def to_fetch(self, known: Mapping[str, str | None]) -> list[int]:
        """The slots to replay now; slots whose payload's text is `known` (digest -> text
        key) are learnt instead."""
        assert self.search is not None
        for index, slot in enumerate(self.search.slots):
            # a payload known anywhere in the history, not only where the search looks
            if slot.digest in known and self.search.known(index) is UNKNOWN:
                self.search.learn(index, known[slot.digest])
        chosen: list[int] = []
        while wanted := self.search.wanted():
            self.search.ask(wanted)
            learnt = False
            for index in wanted:
                digest = self.search.slots[index].digest
                if digest in known:
                    self.search.learn(index, known[digest])
                    learnt = True
                else:
                    chosen.append(index)
            if not learnt:
                break
        return chosen

    def digest(self, index: int) -> str:
        assert self.search is not None
        return self.search.slots[index].digest

    def learn(self, index: int, text: str | None) -> None:
        assert self.search is not None
        self.search.learn(index, text)

    def rows_left(self, index: int) -> bool:
        return self._handed.get(index, 0) < len(self.members[index])

    def next_row(self, index: int) -> CdxRecord | None:
        """The slot's next row to replay (its first; after a failed replay, the same payload
        captured again), or None when every row of it was tried."""
        if not self.rows_left(index):
            return None
        handed = self._handed.get(index, 0)
        self._handed[index] = handed + 1
        return self.members[index][handed]

    @property
    def done(self) -> bool:
        return self.search is not None and self.search.done

    def unfetched(self) -> list[Unfetched]:
        """Once done: every row never handed out to fetch, and why."""
        assert self.search is not None
        search, outcomes = self.search, []
        settled = {index: (left, right) for index, left, right in search.settled()}
        spans = {index: pair for pair in search.changes() for index in range(pair[0] + 1, pair[1])}
        for index, rows in enumerate(self.members):
            rest = rows[self._handed.get(index, 0) :]
            if not rest:
                continue
            if search.known(index) is not UNKNOWN:
                reason, text_from = Reason(Outcome.DUPLICATE, DUPLICATE), None
            elif index in settled:
                left, right = (search.slots[end] for end in settled[index])
                reason = Reason(
                    Outcome.UNCHANGED_RANGE,
                    f"not fetched: inside an unchanged range (the captures of {left.last} and"
                    f" {right.first} show one text)",
                )
                text_from = left.digest
            else:
                left, right = (search.slots[end] for end in spans.get(index, (0, -1)))
                reason = Reason(
                    Outcome.WITHIN_PRECISION,
                    f"not fetched: the change between the captures of {left.last} and"
                    f" {right.first} is located to within {_days(self.precision)}",
                )
                text_from = None
            outcomes.extend(Unfetched(record, reason, text_from) for record in rest)
        return outcomes


def _days(span: timedelta | None) -> str:
    return f"{span.days} days" if span is not None else "neighbouring captures"
