"""policytrail's Scrapy project: spiders, settings, middlewares, Wayback helpers and the CLI."""
