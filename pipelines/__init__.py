"""policytrail's item pipelines: extraction, dating, deduplication, storage and export."""
