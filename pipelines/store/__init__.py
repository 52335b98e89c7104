"""The store stage: all of policytrail's SQL that writes. The schema and its migrations
(schema), opening the database (database), the crawl's write pipeline (pipeline), a run's start
and end (runs), what earlier runs did (ledger), the rows of documents (documents), sharing a
fetched copy with its duplicates (duplicates) and rebuilding versions (versions)."""
