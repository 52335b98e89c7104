"""policytrail's upper layer, built on crawler/ (which never imports it): the crawl's stages
as item pipelines (decode, warcs, extract, classify, dates, versions, store), then what
researchers read and export (reading, history, search, query, changes, export, report)."""
