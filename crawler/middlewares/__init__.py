"""Downloader middlewares of the wayback crawl, one concern each (resume, confine, integrity,
accounting, politeness, retry), each with its own on/off setting."""
