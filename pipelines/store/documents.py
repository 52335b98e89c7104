"""A `Document` as a row of the `documents` table: its columns, and the INSERT that writes one."""

from __future__ import annotations

from crawler.items import StatedDate, first_day, precision

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
    "effective_dates",
    "effective_date_evidence",
    "kind",
    "kind_score",
    "kind_reasons",
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
        [stated_row(stated) for stated in document.effective_dates],
        document.effective_date_evidence,
        document.kind,
        document.kind_score,
        list(document.kind_reasons),
    ]


def stated_row(stated: StatedDate) -> dict[str, object]:
    """A stated date as an element of `documents.effective_dates`."""
    return {
        "label": stated.label,
        "date": first_day(stated.value),
        "precision": precision(stated.value),
        "phrase": stated.phrase,
    }


INSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))}) ON CONFLICT DO NOTHING"
)
