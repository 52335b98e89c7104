"""A `Document` as a row of the `documents` table: its columns, and the INSERT that writes one."""

from __future__ import annotations

DOCUMENT_COLUMNS = (
    "text_hash",
    "text",
    "markdown",
    "language",
    "title",
    "effective_date",
    "effective_date_precision",
    "effective_date_text",
    "effective_date_confidence",
    "effective_date_ambiguous",
    "is_policy",
    "policy_score",
    "policy_reasons",
    "extractor",
    "extractor_version",
    "extractor_settings",
    "strategy",
    "n_words",
    "sketch",
)


def document_row(document) -> list:
    """A Document as a `documents` row (columns in DOCUMENT_COLUMNS order)."""
    return [
        document.text_hash,
        document.text,
        document.markdown,
        document.language,
        document.title,
        document.effective_day,
        document.effective_date_precision,
        document.effective_date_text,
        document.effective_date_confidence,
        document.effective_date_ambiguous,
        bool(document.is_policy),
        float(document.policy_score or 0.0),
        list(document.policy_reasons),
        document.extractor,
        document.extractor_version,
        document.extractor_settings,
        document.strategy,
        len(document.text.split()),
        document.sketch or None,
    ]


INSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))}) ON CONFLICT DO NOTHING"
)
