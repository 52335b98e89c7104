"""The texts a process has analysed: a capture whose text is one of them is not analysed again."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from crawler.items import Document
from crawler.settings import POLICYTRAIL_TEXT_MEMO_BYTES
from pipelines.normalise import text_hash


class TextMemo:
    """Analysed Documents by text, the most recently used kept up to `max_bytes` of text.

    Every field of a Document but its title and strategy follows from its text, and the
    database keeps one Document per text (the first stored): a capture whose text the process
    has already analysed takes that Document whole, and skips the Markdown pass, language
    detection, classification, dating and the sketch.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self._documents: OrderedDict[str, Document] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, text: str) -> Document | None:
        """The analysed Document of `text`, if this memo holds it."""
        document = self._documents.get(text_hash(text))
        if document is not None:
            self._documents.move_to_end(document.text_hash)
            self.hits += 1
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


def _size(document: Document) -> int:
    return len(document.text) + len(document.markdown or "") + len(document.sketch)


_MEMOS: WeakKeyDictionary[Any, TextMemo] = WeakKeyDictionary()


def text_memo(crawler: Any) -> TextMemo:
    """The memo the analysis stages of one crawl (or one pool worker) share."""
    memo = _MEMOS.get(crawler)
    if memo is None:
        settings = getattr(crawler, "settings", None)
        size = (
            settings.getint("POLICYTRAIL_TEXT_MEMO_BYTES", POLICYTRAIL_TEXT_MEMO_BYTES)
            if settings is not None
            else POLICYTRAIL_TEXT_MEMO_BYTES
        )
        memo = _MEMOS[crawler] = TextMemo(size)
    return memo
