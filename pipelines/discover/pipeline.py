"""The links stage: a home page's candidate links to its privacy policy (`policytrail discover`)."""

from __future__ import annotations

from crawler.items import HOME_PAGE, DiscoveryCapture
from pipelines.discover.links import find_policy_links
from pipelines.stage import Stage


class LinksPipeline(Stage):
    """Finds a fetched home page's candidate links, from the text the decode stage made of it.

    An analysis stage (pipelines/pool.py), so the pages are read in the workers, on every core.
    """

    def process_item(self, item):
        if isinstance(item, DiscoveryCapture) and item.role == HOME_PAGE and item.html_text:
            found = find_policy_links(item.html_text, item.url)
            item.links = found.candidates
            item.links_worth_trying = len(found.worth_trying)
            item.parked = found.parked
            self.crawler.stats.inc_value("policytrail/discover/links", len(found.candidates))
        return item
