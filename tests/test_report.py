"""`policytrail report`: the data behind each plot against a synthetic corpus of known shape and
against SQL, the page self-contained, and the command's refusals."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import numpy
import pytest
from synthetic_corpus import GDPR_MONTH, BuiltVersion, CorpusShape, build_corpus

from crawler.cli import main
from pipelines.reading import open_reader
from pipelines.report import data
from pipelines.store.database import connect

ALL = data.Scope()
NETWORK_LOAD = re.compile(
    r"""(src|href)\s*=\s*["']?\s*(https?:)?//|@import|url\(\s*["']?https?:""", re.I
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, CorpusShape]:
    db = tmp_path_factory.mktemp("synthetic") / "corpus.duckdb"
    return db, build_corpus(db, sites=60)


@pytest.fixture(scope="module")
def reader(corpus):
    connection = open_reader(corpus[0])
    yield connection
    connection.close()


def _month(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def test_the_builder_writes_versions_consistent_with_captures_and_documents(corpus, reader):
    _, shape = corpus
    assert reader.execute("SELECT count(*) FROM versions").fetchone()[0] == len(shape.versions)
    mismatched = reader.execute(
        """SELECT count(*) FROM versions v JOIN documents d USING (text_hash),
                  LATERAL (SELECT count(*) AS n, min(timestamp) AS first, max(timestamp) AS last
                           FROM captures c WHERE c.site = v.site AND c.target_url = v.target_url
                             AND c.text_hash = v.text_hash) c
           WHERE c.n <> v.n_captures OR c.first <> v.first_seen OR c.last <> v.last_seen
              OR d.n_words <> len(string_split(d.text, ' '))"""
    ).fetchone()[0]
    assert mismatched == 0
    for phrase, targets in shape.phrases.items():
        found = reader.execute(
            """SELECT site, target_url, min(version), count(*), max(version) - min(version) + 1
               FROM versions JOIN documents USING (text_hash) WHERE contains(text, ?)
               GROUP BY ALL""",
            [phrase],
        ).fetchall()
        assert {(s, t): first for s, t, first, _, _ in found} == targets
        assert all(count == span for *_, count, span in found)  # in every later version


def test_versions_per_year_count_first_versions_and_changes(corpus, reader):
    _, shape = corpus
    per_year = data.versions_per_year(reader, ALL)
    first = Counter(v.first_seen.year for v in shape.versions if v.version == 1)
    changes = Counter(v.first_seen.year for v in shape.versions if v.version > 1)
    assert per_year.years == tuple(range(per_year.years[0], per_year.years[-1] + 1))
    assert dict(zip(per_year.years, per_year.first_versions, strict=True)) == {
        year: first[year] for year in per_year.years
    }
    assert dict(zip(per_year.years, per_year.changes, strict=True)) == {
        year: changes[year] for year in per_year.years
    }
    sql = dict(
        reader.execute("SELECT year(first_seen), count(*) FROM versions GROUP BY 1").fetchall()
    )
    totals = [a + b for a, b in zip(per_year.first_versions, per_year.changes, strict=True)]
    assert {y: n for y, n in zip(per_year.years, totals, strict=True) if n} == sql


def test_changes_by_month_peak_in_may_2018_with_every_gdpr_change(corpus, reader):
    _, shape = corpus
    by_month = data.changes_by_month(reader, ALL)
    assert by_month.peak == (GDPR_MONTH, len(shape.gdpr_targets))
    assert len(shape.gdpr_targets) > 2 * max(
        n for month, n in zip(by_month.months, by_month.changes, strict=True) if month != GDPR_MONTH
    )
    built = Counter(_month(v.first_seen) for v in shape.versions if v.version > 1)
    assert {m: n for m, n in zip(by_month.months, by_month.changes, strict=True) if n} == built
    assert by_month.changes[by_month.months.index(date(2020, 1, 1))] == len(shape.ccpa_targets)
    # every month of the observed period, in order, none missing
    first = min(_month(v.first_seen) for v in shape.versions)
    last = max(_month(v.last_seen) for v in shape.versions)
    assert by_month.months[0] == first and by_month.months[-1] == last
    assert len(by_month.months) == (last.year - first.year) * 12 + last.month - first.month + 1
    assert by_month.median_gap_days is not None and by_month.median_gap_days > 0


def _in_force_at_mid_year(versions: tuple[BuiltVersion, ...]) -> dict[tuple, dict[int, int]]:
    """(site, target) -> year -> words of the version in force on 1 July, from the records."""
    lengths: dict[tuple, dict[int, int]] = defaultdict(dict)
    for v in versions:
        for year in range(v.first_seen.year, (v.next_seen or v.last_seen).year + 1):
            mid = datetime(year, 7, 1)
            ends = mid < v.next_seen if v.next_seen else mid <= v.last_seen
            if v.first_seen <= mid and ends:
                lengths[(v.site, v.target_url)][year] = v.n_words
    return lengths


def test_policy_lengths_are_medians_of_the_versions_in_force_at_mid_year(corpus, reader):
    _, shape = corpus
    lengths = data.policy_lengths(reader, ALL)
    expected = _in_force_at_mid_year(shape.versions)
    by_year: dict[int, list[int]] = defaultdict(list)
    for years in expected.values():
        for year, words in years.items():
            by_year[year].append(words)
    assert lengths.years == tuple(sorted(by_year))
    assert lengths.median_words == pytest.approx([numpy.median(by_year[y]) for y in lengths.years])
    assert lengths.targets == tuple(len(by_year[y]) for y in lengths.years)
    for quartile, values in ((25, lengths.lower_quartile), (75, lengths.upper_quartile)):
        assert values == pytest.approx(
            [numpy.percentile(by_year[y], quartile) for y in lengths.years]
        )
    assert {
        (s.site, s.target_url): dict(zip(s.years, s.n_words, strict=True)) for s in lengths.series
    } == expected
    # the synthetic policies grow, and grow most with the GDPR
    medians = dict(zip(lengths.years, lengths.median_words, strict=True))
    assert medians[2019] > 1.15 * medians[2017] and medians[2017] > medians[2008]


def test_timelines_show_the_sites_with_most_versions(corpus, reader):
    _, shape = corpus
    timelines = data.timelines(reader, ALL, max_sites=10)
    per_site = Counter(v.site for v in shape.versions)
    ranked = sorted(per_site, key=lambda site: (-per_site[site], site))
    assert (timelines.sites_shown, timelines.sites_total) == (10, 60)
    assert {row.site for row in timelines.targets} == set(ranked[:10])
    built = {(v.site, v.target_url, v.version): v for v in shape.versions}
    for row in timelines.targets:
        for span in row.versions:
            version = built[(row.site, row.target_url, span.version)]
            assert span.start == version.first_seen
            assert span.end == (version.next_seen or version.last_seen)
            assert span.effective_date == version.effective_date
        days = reader.execute(
            """SELECT count(DISTINCT timestamp::DATE) FILTER (WHERE text_hash IS NOT NULL),
                      count(DISTINCT timestamp::DATE) FILTER (WHERE text_hash IS NULL)
               FROM captures WHERE site = ? AND target_url = ?""",
            [row.site, row.target_url],
        ).fetchone()
        assert (len(row.text_days), len(row.other_days)) == days
        assert list(row.text_days) == sorted(row.text_days)


def test_coverage_counts_what_became_of_every_capture(corpus, reader):
    _, shape = corpus
    coverage = data.coverage(reader, ALL, max_sites=25)
    assert coverage.sites_total == 60 and len(coverage.sites) == 25
    for row in coverage.sites:
        for status in ("fetched", "skipped", "failed"):
            assert getattr(row, status) == shape.captures.get((row.site, status), 0)
    totals = [row.captures for row in coverage.sites]
    assert totals == sorted(totals, reverse=True)
    everything = sum(shape.captures.values())
    assert coverage.total.captures == everything
    assert coverage.total.failed == sum(n for (_, s), n in shape.captures.items() if s == "failed")
    assert sum(n for *_, n in coverage.reasons) == everything - coverage.total.fetched
    assert {code for _, code, _ in coverage.reasons} == {"duplicate", "status", "http_error"}


def test_a_scope_limits_every_plot_to_its_sites(corpus, reader):
    _, shape = corpus
    sites = shape.sites[:2]
    scope = data.scope_of(reader, sites)
    report = data.read_report(reader, scope, max_sites=40)
    versions = [v for v in shape.versions if v.site in sites]
    assert report.summary.sites == 2 and report.summary.versions == len(versions)
    assert sum(report.per_year.first_versions) + sum(report.per_year.changes) == len(versions)
    assert sum(report.by_month.changes) == sum(v.version > 1 for v in versions)
    assert {s.site for s in report.lengths.series} == set(sites)
    assert {t.site for t in report.timelines.targets} == set(sites)
    assert {s.site for s in report.coverage.sites} == set(sites)


def _svgs(page: str) -> int:
    return len(re.findall(r"<svg\b", page))


def test_the_report_of_the_synthetic_corpus_is_one_self_contained_page(corpus, tmp_path, capsys):
    db, shape = corpus
    out = tmp_path / "report.html"
    main(["report", str(out), "--db", str(db), "--max-sites", "12"])
    page = out.read_text()
    assert _svgs(page) == 5
    assert not NETWORK_LOAD.search(page), NETWORK_LOAD.search(page)
    assert f"May 2018: {len(shape.gdpr_targets)} changes" in page  # the peak's label
    assert "the 12 sites with most versions, of 60" in page
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out} (") and "kB" in captured.out
    assert "policytrail: drawing 5 plots of 60 sites" in captured.err


def test_the_report_of_the_sample_via_the_cli(sample_db, tmp_path, capsys):
    out = tmp_path / "sample.html"
    main(["report", str(out), "--db", str(sample_db)])
    page = out.read_text()
    assert _svgs(page) == 5 and not NETWORK_LOAD.search(page)
    assert "15 (15 distinct texts)" in page and "all 3 sites" in page
    for title in ("Versions per year", "Changes by month", "Policy length", "Timelines"):
        assert f"<h2>{title}</h2>" in page
    main(["report", str(out), "--db", str(sample_db), "--site", "lumenbank.example"])
    assert "lumenbank.example" in out.read_text() and "kettleworks" not in out.read_text()


def test_an_empty_database_gives_a_page_that_says_so(tmp_path):
    db = tmp_path / "empty.duckdb"
    connect(db).close()
    out = tmp_path / "empty.html"
    main(["report", str(out), "--db", str(db)])
    page = out.read_text()
    assert _svgs(page) == 5 and "holds no versions yet" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/r.html", "--site", "nowhere.example"], "no site 'nowhere.example'"),
        (["{tmp}/missing/r.html"], "no folder"),
        (["{tmp}"], "ending in .html"),
        (["{tmp}/study.duckdb"], "ending in .html"),
        (["{tmp}/folder.html"], "is a folder"),
    ],
)
def test_refusals_are_one_line_and_exit_2(corpus, tmp_path, capsys, args, message):
    (tmp_path / "folder.html").mkdir()
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    with pytest.raises(SystemExit) as stopped:
        main(["report", *argv, "--db", str(corpus[0])])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "r.html").exists()


def test_a_timeline_without_captures_of_one_kind_is_drawn():
    from pipelines.report import plots
    from pipelines.report.records import TargetTimeline, Timelines, VersionSpan

    span = VersionSpan(1, datetime(2018, 5, 25), datetime(2020, 1, 1), None)
    row = TargetTimeline("one.example", "https://one.example/privacy", (span,), (), ())
    assert plots.timelines(Timelines((row,), 1, 1)).startswith("<svg")
