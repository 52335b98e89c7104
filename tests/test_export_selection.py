"""Export selection: sites, windows and sampling give the versions a brute-force reading of the
`versions` and `captures` tables gives."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from crawler.exceptions import BadInputError
from crawler.periods import SamplingPeriod, parse_period
from pipelines.export.selection import Selection, read_sites, select_versions


@pytest.fixture
def connection(sample_db):
    connection = duckdb.connect(str(sample_db), read_only=True)
    yield connection
    connection.close()


def versions_table(connection) -> list[tuple]:
    return connection.execute(
        "SELECT site, target_url, version, first_seen, last_seen, next_seen, text_hash"
        " FROM versions ORDER BY site, target_url, version"
    ).fetchall()


# ---- sampling periods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "months", "instants"),
    [
        ("6M", 6, [(4, 1), (10, 1)]),
        ("6m", 6, [(4, 1), (10, 1)]),
        ("3M", 3, [(2, 15), (5, 15), (8, 15), (11, 15)]),
        ("1Y", 12, [(7, 1)]),
        ("12M", 12, [(7, 1)]),
        ("4M", 4, [(3, 1), (7, 1), (11, 1)]),
    ],
)
def test_periods_are_calendar_aligned_with_their_middle_as_instant(text, months, instants):
    period = parse_period(text)
    assert period.months == months
    first = period.period_of(date(2010, 1, 1))
    assert [
        (period.instant(first + n).month, period.instant(first + n).day)
        for n in range(12 // months)
    ] == instants
    assert all(period.instant(first + n).year == 2010 for n in range(12 // months))
    # every moment lies in the period whose middle it is sampled by
    assert period.period_of(datetime(2010, 12, 31, 23, 59)) == first + 12 // months - 1


def test_multi_year_periods_start_in_years_divisible_by_their_length():
    period = parse_period("2Y")
    assert period.instant(period.period_of(date(2011, 5, 1))) == datetime(2011, 1, 1)
    assert period.label == "2Y"
    assert "every 2 years" in period.describe()


@pytest.mark.parametrize("text", ["5M", "0M", "0Y", "6", "M", "6W", "13M", "1.5Y", "", "-6M"])
def test_other_periods_are_refused(text):
    with pytest.raises(BadInputError, match="--sample-every"):
        parse_period(text)


# ---- sites --------------------------------------------------------------------------------


def test_sites_from_a_file_and_the_command_line(tmp_path):
    listed = tmp_path / "sites.txt"
    listed.write_text("# study sites\nb.example\n\n  a.example  \nb.example\n")
    assert read_sites(["c.example", f"@{listed}", "a.example"]) == (
        "c.example",
        "b.example",
        "a.example",
    )
    with pytest.raises(BadInputError, match="cannot read"):
        read_sites([f"@{tmp_path / 'absent.txt'}"])
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(BadInputError, match="lists no site"):
        read_sites([f"@{tmp_path / 'empty.txt'}"])


def test_unknown_sites_are_named(connection):
    with pytest.raises(BadInputError, match=r"\(2\): nowhere.example, typo.example$"):
        list(
            select_versions(
                connection,
                Selection(sites=("lumenbank.example", "typo.example", "nowhere.example")),
            )
        )


def test_a_site_filter_keeps_exactly_that_sites_versions(connection):
    chosen = ("lumenbank.example", "northwind-health.example")
    got = [(v.site, v.version) for v in select_versions(connection, Selection(sites=chosen))]
    expected = [(row[0], row[2]) for row in versions_table(connection) if row[0] in chosen]
    assert got == expected and len(got) == 10


# ---- windows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2010, 1, 1), date(2012, 12, 31)), (date(2016, 6, 1), None), (None, date(2005, 6, 30))],
)
def test_a_window_keeps_the_versions_in_force_during_it(connection, start, end):
    got = {
        (v.site, v.version)
        for v in select_versions(connection, Selection(from_day=start, to_day=end))
    }
    window_start = datetime.combine(start, datetime.min.time()) if start else datetime.min
    window_end = datetime.combine(end, datetime.max.time()) if end else datetime.max
    expected = set()
    for site, _, version, first_seen, last_seen, next_seen, _ in versions_table(connection):
        # in force from its first capture until the next version's (the latest: its last)
        in_force_until = next_seen if next_seen else last_seen
        overlaps = first_seen <= window_end and (
            in_force_until > window_start if next_seen else in_force_until >= window_start
        )
        if overlaps:
            expected.add((site, version))
    assert got == expected
    assert 0 < len(got) < 15


def test_from_after_to_is_refused():
    with pytest.raises(BadInputError, match="after"):
        Selection(from_day=date(2020, 1, 1), to_day=date(2019, 1, 1))


# ---- without sampling: one record per version ---------------------------------------------


def test_every_version_once_with_its_first_capture(connection):
    records = list(select_versions(connection, Selection()))
    view = connection.execute(
        "SELECT version_id, first_seen, original_url, memento_url, text FROM policy_versions"
        " ORDER BY site, target_url, version"
    ).fetchall()
    assert [
        (r.version_id, r.captured_at, r.original_url, r.memento_url, r.text) for r in records
    ] == view
    assert all(r.sampled_at is None for r in records)


# ---- sampling -----------------------------------------------------------------------------


def brute_force_sample(connection, period: SamplingPeriod) -> list[tuple]:
    """(site, target, instant, version, nearest capture time) computed the long way round."""
    rows = versions_table(connection)
    captures = connection.execute(
        "SELECT site, target_url, text_hash, timestamp FROM captures WHERE text_hash IS NOT NULL"
    ).fetchall()
    found = []
    for site, target in sorted({(row[0], row[1]) for row in rows}):
        mine = [row for row in rows if (row[0], row[1]) == (site, target)]
        first = period.period_of(min(row[3] for row in mine))
        last = period.period_of(max(row[4] for row in mine))
        for number in range(first, last + 1):
            instant = period.instant(number)
            for _, _, version, first_seen, last_seen, next_seen, text_hash in mine:
                if first_seen <= instant and (next_seen is None or instant < next_seen):
                    moments = [
                        moment
                        for (c_site, c_target, c_hash, moment) in captures
                        if (c_site, c_target, c_hash) == (site, target, text_hash)
                        and first_seen <= moment <= last_seen
                    ]
                    nearest = min(moments, key=lambda m: (abs((m - instant).total_seconds()), m))
                    found.append((site, target, instant, version, nearest))
    return found


@pytest.mark.parametrize("text", ["6M", "1Y", "3M"])
def test_sampling_picks_the_version_in_force_at_each_middle(connection, text):
    period = parse_period(text)
    records = list(select_versions(connection, Selection(sample_every=period)))
    got = [(r.site, r.target_url, r.sampled_at, r.version, r.captured_at) for r in records]
    assert got == brute_force_sample(connection, period)
    if text == "6M":
        assert {(r.sampled_at.month, r.sampled_at.day) for r in records} == {(4, 1), (10, 1)}
        # a version in force at several instants gives a record for each
        assert len(records) > len({r.version_id for r in records}) == 15


def test_a_sampled_record_names_the_capture_it_stands_for(connection):
    records = list(select_versions(connection, Selection(sample_every=parse_period("6M"))))
    stamps = {r.captured_at.strftime("%Y%m%d%H%M%S") for r in records}
    assert all(r.memento_url and r.memento_url.split("/web/")[1][:14] in stamps for r in records)
    for record in records:
        assert record.memento_url.split("/web/")[1][:14] == f"{record.captured_at:%Y%m%d%H%M%S}"
        assert record.memento_url.endswith("id_/" + record.original_url)
        assert record.archived_on == record.captured_at.date()


def test_sampling_within_a_window_keeps_the_instants_inside_it(connection):
    selection = Selection(
        from_day=date(2010, 1, 1), to_day=date(2011, 12, 31), sample_every=parse_period("6M")
    )
    records = list(select_versions(connection, selection))
    assert {r.sampled_at for r in records} == {
        datetime(2010, 4, 1),
        datetime(2010, 10, 1),
        datetime(2011, 4, 1),
        datetime(2011, 10, 1),
    }
    assert len(records) == 4 * 3  # each of the three sites had a version in force throughout
