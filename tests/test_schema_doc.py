"""The README's schema reference and the live database agree: every table, view and column
documented exists with the type shown, and nothing in the database goes undocumented."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

README = Path(__file__).resolve().parents[1] / "README.md"
RELATION = re.compile(r"^### `(\w+)` \((table|view)\)")
COLUMN = re.compile(r"^\| `(\w+)` \| ([A-Z][^|]*?) \| (.+) \|$")


def documented() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The database\n") :]
    section = section[: section.index("\n## ", 1)]
    relations: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    current = None
    for line in section.splitlines():
        if heading := RELATION.match(line):
            current = heading.group(1)
            relations[current] = (heading.group(2), [])
        elif current and (column := COLUMN.match(line)):
            assert column.group(3).strip(), f"{current}.{column.group(1)} has no meaning"
            relations[current][1].append((column.group(1), column.group(2)))
    return relations


def live(db: Path) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        relations = {}
        for name, kind in connection.execute(
            "SELECT table_name, table_type FROM information_schema.tables"
            " WHERE table_schema = 'main'"
        ).fetchall():
            columns = connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall()
            relations[name] = ("view" if kind == "VIEW" else "table", columns)
        return relations
    finally:
        connection.close()


def test_the_readme_documents_exactly_the_live_schema(sample_db):
    written, actual = documented(), live(sample_db)
    assert sorted(written) == sorted(actual), "tables and views documented vs in the database"
    for name, (kind, columns) in actual.items():
        assert written[name] == (kind, columns), f"{name}: README vs database"
