"""The wayback spider's change-point fetching: each URL's rows held until its listing ends, then
replayed as the search of crawler/changepoint.py asks, each replay's text told back to it."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from scrapy import Request

from crawler.changepoint import UrlPlan
from crawler.items import FETCHED, CaptureItem, ListingItem
from crawler.ledger import Ledger, capture_key
from crawler.outcomes import Outcome, Reason
from crawler.selection import shares_payload
from crawler.settings import FETCH_STRATEGIES
from crawler.targets import Target
from crawler.wayback import CdxRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

EVERY_DIGEST, CHANGE_POINT = FETCH_STRATEGIES

PlanKey = tuple[str, str, str]  # site, policy URL, the URL listed
Expected = tuple["asyncio.Future[str | None]", tuple[UrlPlan, int]]


class PlannedFetching:
    """The change-point half of `WaybackSpider` (crawler/spiders/wayback.py).

    A URL's replayable rows (2xx or unknown status, HTML, PDF or unknown type) are held in a
    `UrlPlan` while it is listed. When its listing ends, the plan names slots to replay; a
    payload whose text is known already (fetched by an earlier run, or by this one under
    another URL) is learnt without a replay, and one being fetched is waited for. A replay's
    text is known only once the pipelines have analysed it: `parse_memento` awaits it (the
    `item_scraped` signal tells it), then asks the plan for what comes next. When the search is
    done, the rows never replayed are recorded with their reason (duplicate, inside an
    unchanged range, within the boundary precision).
    """

    strategy: str
    precision: timedelta | None
    sample_every: timedelta | None
    ledger: Ledger
    planned: defaultdict[str, Counter[str]]
    _in_flight: dict[str, list[tuple[CaptureItem, Target]]]
    _stored: set[str]
    crawler: Crawler

    def _init_plans(self) -> None:
        self._plans: dict[PlanKey, UrlPlan] = {}
        self._texts: dict[str, str | None] = {}  # digest of a stored page -> its text_hash
        self._planned_fetches: dict[bytes, tuple[UrlPlan, int]] = {}  # capture key -> slot
        self._expected: dict[bytes, Expected] = {}  # stored replays whose text is awaited
        # payloads a planned replay is fetching, or whose text it awaits: slots of other URLs
        # with the same payload wait for it
        self._owned: set[str] = set()
        self._digest_waiters: dict[str, list[tuple[UrlPlan, int]]] = {}

    @property
    def planning(self) -> bool:
        return self.strategy == CHANGE_POINT

    def remember_texts(self, ledger: Ledger) -> None:
        self._texts = dict(ledger.texts)

    # ---- rows held while listing ---------------------------------------------------------------

    def holds(self, record: CdxRecord, reason: Reason | None) -> bool:
        """Whether a listed row waits for its URL's plan instead of being decided now."""
        if not self.planning or not shares_payload(record):
            return False
        return reason is None or reason.code == Outcome.DUPLICATE

    def hold(self, target: Target, record: CdxRecord, via: str | None, listing: str) -> None:
        key = (target.site, target.policy_url, listing)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = UrlPlan(
                target, via, listing, self.precision, self.sample_every
            )
        plan.add(record)

    def listing_ended(
        self, target: Target, url: str, ended: ListingItem
    ) -> Iterator[Request | CaptureItem]:
        """A URL's listing ended (completely or not): search what it listed."""
        plan = self._plans.get((target.site, target.policy_url, url))
        if plan is None or plan.search is not None:
            return
        plan.begin()
        yield from self._advance(plan)

    # ---- replays ---------------------------------------------------------------------------------

    def _advance(self, plan: UrlPlan) -> Iterator[Request | CaptureItem]:
        for index in plan.to_fetch(self._texts):
            digest = plan.digest(index)
            if digest in self._owned:
                self._digest_waiters.setdefault(digest, []).append((plan, index))
                continue
            yield self._fetch_slot(plan, index)
        if plan.done:
            yield from self._finish(plan)

    def _fetch_slot(self, plan: UrlPlan, index: int) -> Request:
        """The next untried row of a slot, fetched."""
        record = plan.next_row(index)
        assert record is not None, "a slot asked for has a row left"
        capture = self.capture(plan.target, record, plan.via)
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        self._planned_fetches[key] = (plan, index)
        self._owned.add(record.digest)
        self._in_flight.setdefault(record.digest, [])
        self.planned[capture.site]["fetch"] += 1
        return self.fetch(capture, plan.target)

    def planned_fetch_ended(
        self, capture: CaptureItem, *, stored: bool
    ) -> Iterator[Request | CaptureItem]:
        """A replay ended. Stored: its text is awaited (`parse_memento`). Not: the slot's next
        row is tried, and once none is left the search goes around the slot."""
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        planned = self._planned_fetches.pop(key, None)
        if planned is None:
            return  # a fetch of the usual kind (a redirect, a failed capture tried again)
        if stored:
            self._expected[key] = (asyncio.get_running_loop().create_future(), planned)
            return
        plan, index = planned
        if plan.rows_left(index):
            yield self._fetch_slot(plan, index)
            return
        plan.learn(index, None)
        self._owned.discard(capture.digest)
        yield from self._payload_failed(capture.digest)
        yield from self._advance(plan)

    def _payload_failed(self, digest: str) -> Iterator[Request | CaptureItem]:
        """No copy of a payload was stored: the first slot waiting on it tries its own row."""
        waiters = self._digest_waiters.pop(digest, [])
        if waiters:
            plan, index = waiters.pop(0)
            if waiters:
                self._digest_waiters[digest] = waiters
            yield self._fetch_slot(plan, index)

    def is_planned(self, key: bytes) -> bool:
        return key in self._planned_fetches

    def expected_text(self, capture: CaptureItem) -> Expected | None:
        """What `parse_memento` awaits after a stored replay, if a plan needs its text."""
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        return self._expected.get(key)

    def item_done(self, item: object, **_: object) -> None:
        """An item left the pipelines (scraped, dropped or failed): a replay's text is known."""
        if not isinstance(item, CaptureItem):
            return
        key = capture_key(item.site, item.url, item.timestamp, item.digest)
        expected = self._expected.get(key)
        if expected is None or expected[0].done():
            return
        document = item.document if item.fetch_status == FETCHED else None
        expected[0].set_result(document.text_hash if document and document.text_hash else None)

    def text_known(self, capture: CaptureItem, text: str | None) -> Iterator[Request | CaptureItem]:
        """The text of a stored replay: every slot of its payload learns it, and goes on."""
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        _, planned = self._expected.pop(key)
        digest = capture.digest
        self._owned.discard(digest)
        self._texts[digest] = text
        learners = [planned, *self._digest_waiters.pop(digest, [])]
        plans: dict[int, UrlPlan] = {}
        for plan, index in learners:
            plan.learn(index, text)
            plans[id(plan)] = plan
        for plan in plans.values():
            yield from self._advance(plan)

    def _finish(self, plan: UrlPlan) -> Iterator[CaptureItem]:
        """The search is done: every row it did not replay, recorded with its reason."""
        self._plans.pop((plan.target.site, plan.target.policy_url, plan.listing), None)
        for unfetched in plan.unfetched():
            capture = self.capture(plan.target, unfetched.record, plan.via)
            yield self.skipped(replace(capture, text_from=unfetched.text_from), unfetched.reason)

    # ---- provided by the spider -----------------------------------------------------------------

    def capture(self, target: Target, record: CdxRecord, via: str | None) -> CaptureItem:
        raise NotImplementedError

    def fetch(self, capture: CaptureItem, target: Target) -> Request:
        raise NotImplementedError

    def skipped(self, capture: CaptureItem, reason: Reason) -> CaptureItem:
        raise NotImplementedError
