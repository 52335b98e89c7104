"""The crawl's own Scrapy signals, beside Scrapy's (scrapy.signals)."""

from __future__ import annotations

# Sent by the store just before it commits a batch: whatever the batch refers to outside the
# database (WARC records) must be on disk first, so a power cut never leaves a committed row
# pointing at bytes the disk never got.
before_commit = object()
