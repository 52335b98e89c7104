"""The texts a process has analysed: a capture whose text is one of them is not analysed again."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from scrapy.signals import item_scraped

from crawler.items import CaptureItem, Document
from crawler.settings import POLICYTRAIL_TEXT_MEMO_BYTES
from pipelines.normalise import text_hash


class TextMemo:
    """Analysed Documents by text, the most recently used kept up to `max_bytes` of text.

    The database keeps one Document per text, the first one stored: a capture whose text an
    earlier stored capture had takes that capture's Document whole, and skips the Markdown
    pass, language detection, classification, dating and the sketch, so the tables are the
    same as if it had been analysed. (Kind and date can depend on a capture's URL, title and
    time: for such a capture the crawl's counters of kinds and of dates after the capture
    count the stored Document's, which is what the tables hold.)
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._documents: OrderedDict[str, Document] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, text: str) -> Document | None:
        """The analysed Document of `text`, if this memo holds it."""
        document = self._documents.get(text_hash(text))
        if document is not None:
            self._documents.move_to_end(document.text_hash)
        return document

    def put(self, document: Document) -> None:
        """Keep an analysed (hashed) Document, dropping the least recently used past the bound."""
        if not document.text_hash or document.text_hash in self._documents:
            return
        self._documents[document.text_hash] = document
        self.size += _size(document)
        while self.size > self.max_bytes and self._documents:
            _, dropped = self._documents.popitem(last=False)
            self.size -= _size(dropped)

    def stored(self, item: Any, **_: Any) -> None:
        """Scrapy's item_scraped: the capture went through every pipeline, the store's too."""
        document = getattr(item, "document", None)
        if isinstance(item, CaptureItem) and document is not None and document.analysed:
            self.put(document)


def _size(document: Document) -> int:
    return len(document.text) + len(document.markdown or "") + len(document.sketch)


_MEMOS: WeakKeyDictionary[Any, TextMemo] = WeakKeyDictionary()


def text_memo(crawler: Any) -> TextMemo | None:
    """The memo the analysis stages of one crawl share, filled only with the Documents of
    captures that were stored (a capture that failed after its analysis must not decide what
    another is stored with). None where pages are analysed without being stored here: in a
    worker of pipelines/pool.py."""
    signals = getattr(crawler, "signals", None)
    if signals is None:
        return None
    memo = _MEMOS.get(crawler)
    if memo is None:
        size = crawler.settings.getint("POLICYTRAIL_TEXT_MEMO_BYTES", POLICYTRAIL_TEXT_MEMO_BYTES)
        memo = _MEMOS[crawler] = TextMemo(size)
        signals.connect(memo.stored, signal=item_scraped)
    return memo
