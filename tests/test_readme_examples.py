"""The README's worked questions in pandas, run on the sample database and answered again in
SQL: a researcher copying them gets what they say."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### From Python, R and the duckdb shell") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python example is missing"
    return match.group(1)


def test_the_pandas_answers_match_sql(sample_db):
    pytest.importorskip("pandas", reason="pandas comes with the test extras")
    code = python_example()
    assert '"data/demo.duckdb"' in code
    answers: dict[str, object] = {}
    exec(code.replace('"data/demo.duckdb"', repr(str(sample_db))), answers)  # noqa: S102
    db = duckdb.connect(str(sample_db), read_only=True)
    try:
        changing = dict(
            db.execute(
                "SELECT year(first_seen), count(DISTINCT site) FROM policy_versions"
                " WHERE version > 1 GROUP BY ALL"
            ).fetchall()
        )
        medians = dict(
            db.execute(
                "SELECT year(first_seen), median(n_words) FROM policy_versions GROUP BY ALL"
            ).fetchall()
        )
        first_sell = dict(
            db.execute(
                "SELECT site, min(first_seen) FROM policy_versions"
                " WHERE regexp_matches(text, '\\bsell\\b', 'i') GROUP BY ALL"
            ).fetchall()
        )
    finally:
        db.close()
    assert answers["sites_changing"].to_dict() == changing
    assert answers["median_words"].to_dict() == pytest.approx(medians)
    got = {site: moment.to_pydatetime() for site, moment in answers["first_sell"].items()}
    assert got == first_sell and len(first_sell) == 3
