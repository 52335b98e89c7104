"""Discovery: from a site's archived home pages to its privacy policy's address over time."""
