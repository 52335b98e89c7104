"""Downloader middlewares of the wayback crawl."""
