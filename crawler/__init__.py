"""policytrail's Scrapy project, the lower layer: spiders, settings, middlewares, items, Wayback
helpers, targets, selection and the local archive; it never imports pipelines/, which builds on
it. Only the CLI (crawler/cli/) composes the two."""
