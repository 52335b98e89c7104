"""The extract stage: a capture's policy text, from its HTML (`html`), PDF or plain text."""

from __future__ import annotations

import io
from importlib.metadata import version
from typing import Self

import pypdf
from pypdf.errors import PyPdfError
from scrapy.crawler import Crawler

from crawler.exceptions import PageTooLargeError
from crawler.items import FETCHED, CaptureItem, Document
from crawler.outcomes import Outcome
from crawler.settings import POLICYTRAIL_MAX_ANALYSIS_BYTES
from pipelines.decode import decode_html, looks_binary
from pipelines.extract.config import MIN_WORDS, SETTINGS
from pipelines.extract.extracted import Extracted, Reading, detect_language, word_count
from pipelines.extract.html import read_html
from pipelines.memo import TextMemo, text_memo
from pipelines.stage import Stage

# What pypdf raises on truncated or damaged files: its own errors, and, from deep inside its
# parser, plain Python ones (a missing key, an object of the wrong type).
PDF_DAMAGE_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError)
PDF_TYPES = frozenset(("application/pdf", "application/x-pdf"))
TEXT_TYPES = frozenset(("text/plain",))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def extract_policy(
    body: bytes, url: str, content_type: str | None = None, html_text: str | None = None
) -> Extracted | None:
    """The policy text of one capture, or None when there is nothing usable in it.

    `html_text` is `body` as the decode stage read it (`decode_html`); without it, the body is
    decoded here.
    """
    reading = read_policy(body, url, content_type, html_text)
    return reading.finish() if reading is not None else None


def read_policy(
    body: bytes, url: str, content_type: str | None = None, html_text: str | None = None
) -> Reading | None:
    """`extract_policy` up to the text: its Markdown and language are made by `finish()`."""
    media_type = _media_type(content_type)
    if media_type in PDF_TYPES or body.lstrip()[:5] == b"%PDF-":
        return _done(_from_pdf(body))
    text = html_text if html_text is not None else decode_html(body, content_type).text
    if media_type in TEXT_TYPES and not text.lstrip().startswith("<"):
        return _done(_from_plain_text(text))
    return read_html(text, url)


def _done(extracted: Extracted | None) -> Reading | None:
    return Reading.done(extracted) if extracted is not None else None


# ---- PDF and plain text ------------------------------------------------------------------------


def _from_pdf(body: bytes) -> Extracted | None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except PDF_DAMAGE_ERRORS:
        # A truncated or damaged capture has no usable text; the caller records why.
        return None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if word_count(text) < MIN_WORDS:
        return None
    return Extracted(
        text=text,
        markdown=text,
        title=(title or "").strip() or None,
        language=detect_language(text),
        extractor="pypdf",
        extractor_version=pypdf.__version__,
        settings=SETTINGS,
        strategy="pdf",
    )


def _from_plain_text(text: str) -> Extracted | None:
    text = text.strip()
    if word_count(text) < MIN_WORDS:
        return None
    title = text.splitlines()[0].strip()
    return Extracted(
        text=text,
        markdown=text,
        title=title if len(title) <= 200 else None,
        language=detect_language(text),
        extractor="policytrail",
        extractor_version=version("policytrail"),
        settings=SETTINGS,
        strategy="plain-text",
    )


def extract_document(
    body: bytes,
    url: str,
    content_type: str | None,
    max_bytes: int,
    html_text: str | None = None,
    memo: TextMemo | None = None,
) -> Document | None:
    """The extraction step: a Document with the text (None when there is none to use).

    A text `memo` holds already is not analysed again: its Document, complete, is returned.
    Raises PageTooLargeError for a body over `max_bytes`, which is not read at all.
    """
    if len(body) > max_bytes:
        raise PageTooLargeError(len(body), max_bytes)
    reading = read_policy(body, url, content_type, html_text)
    if reading is None:
        return None
    if memo is not None and (known := memo.get(reading.text)) is not None:
        return known
    found = reading.finish()
    return Document(
        text=found.text,
        markdown=found.markdown,
        title=found.title,
        language=found.language,
        extractor=found.extractor,
        extractor_version=found.extractor_version,
        extractor_settings=found.settings,
        strategy=found.strategy,
        declared_language=found.declared_language,
    )


class ExtractPipeline(Stage):
    """Gives each fetched capture its Document; a capture without usable text is counted.

    A page over POLICYTRAIL_MAX_ANALYSIS_BYTES stays fetched (its bytes are in the WARCs) but
    gets no Document: its reason says why, and it is counted.
    """

    def __init__(self, crawler: Crawler, max_bytes: int) -> None:
        super().__init__(crawler)
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Without the project's settings (a test's crawler) the cap is still the project's.
        max_bytes = crawler.settings.getint(
            "POLICYTRAIL_MAX_ANALYSIS_BYTES", POLICYTRAIL_MAX_ANALYSIS_BYTES
        )
        return cls(crawler, max_bytes)

    def process_item(self, item):
        if not isinstance(item, CaptureItem) or item.fetch_status != FETCHED or not item.memento:
            return item
        memento = item.memento
        content_type = (memento.content_type or "").split(";")[0].strip().lower()
        ok = 200 <= memento.http_status < 300
        if ok and content_type != "application/pdf" and looks_binary(memento.body):
            item.reason = "binary data, not a page"
            item.reason_code = Outcome.NOT_TEXT
            self.crawler.stats.inc_value("policytrail/extract_not_text")
            return item
        if 200 <= memento.http_status < 300:
            try:
                item.document = extract_document(
                    memento.body,
                    item.url,
                    memento.content_type,
                    self.max_bytes,
                    item.html_text,
                    text_memo(self.crawler),
                )
            except PageTooLargeError as error:
                item.reason = error.reason
                item.reason_code = Outcome.TOO_LARGE
                self.crawler.stats.inc_value("policytrail/analysis_too_large")
                return item
            if item.document is None:
                self.crawler.stats.inc_value("policytrail/extract_empty")
        return item
