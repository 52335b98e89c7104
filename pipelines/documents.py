"""Where the extract, classify, dates, dedupe and store stages still import `Document` from:
it lives in crawler/items.py. Goes once those stages import it from there."""

from crawler.items import Document

__all__ = ["Document"]
