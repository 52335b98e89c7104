"""A local Wayback-compatible archive: WARC files served with IA's CDX and replay semantics."""
