"""A local Wayback-compatible archive: WARC files served with IA's CDX and replay semantics.
A product of its own inside the lower layer: it loads neither Scrapy nor pipelines/
(tests/test_layers.py), and reads IA's limits from crawler/ia_limits.py."""
