"""The `md` and `txt` exports: one file per version, in the reference corpus's folders."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby
from pathlib import Path, PurePosixPath

from crawler.exceptions import BadInputError, ExportError
from pipelines.export.provenance import (
    as_utc,
    corpus_folder,
    markdown_header,
    target_stem,
    text_header,
)
from pipelines.export.records import ExportVersion
from pipelines.reading import main_target

SUFFIXES = ("md", "txt")


def document_day(version: ExportVersion) -> date:
    """The day a version's file is named after: its first capture's, or with sampling the day
    of the capture it stands for (UTC)."""
    moment = version.first_seen if version.sampled_at is None else version.captured_at
    return as_utc(moment).date()


def _with_newline(body: str) -> str:
    return body if body.endswith("\n") else body + "\n"


def markdown_document(version: ExportVersion) -> str:
    """A `.md` file: the provenance header, a blank line, the version's Markdown (its plain
    text when it has no Markdown)."""
    header = markdown_header(version.site, version.archived_on, version.memento_url)
    body = version.markdown if version.markdown and version.markdown.strip() else version.text
    return f"{header}\n\n{_with_newline(body)}"


def text_document(version: ExportVersion) -> str:
    """A `.txt` file: the header sentence on the first line, a blank line, the plain text."""
    return f"{text_header(version.site, version.archived_on)}\n\n{_with_newline(version.text)}"


def site_documents(
    site_versions: list[ExportVersion], suffix: str
) -> Iterator[tuple[PurePosixPath, ExportVersion]]:
    """Each version of one site with its file's path: `<a>/<ab>/<abc>/<stem>/<day>.<suffix>`,
    `<day>_2`, `<day>_3`... for the later versions of one target that share a day.

    `<stem>` is the site's safe name for its main target and `<name>--<slug>` for the others
    (provenance.target_stem): which target is main depends on all of the site's targets, so
    the whole site is needed at once.
    """
    site = site_versions[0].site
    main = main_target(version.target_url for version in site_versions)
    folder = corpus_folder(site)
    ordered = sorted(
        site_versions,
        key=lambda v: (v.target_url, document_day(v), as_utc(v.captured_at), v.version),
    )
    same_day: Counter[tuple[str, date]] = Counter()
    # sampled instants that stand for one capture (a policy unchanged for years) are one file
    written: set[tuple[str, object]] = set()
    for version in ordered:
        if (version.target_url, version.captured_at) in written:
            continue
        written.add((version.target_url, version.captured_at))
        stem = target_stem(site, version.target_url, version.target_url == main)
        day = document_day(version)
        same_day[stem, day] += 1
        count = same_day[stem, day]
        name = day.isoformat() if count == 1 else f"{day.isoformat()}_{count}"
        yield folder / stem / f"{name}.{suffix}", version


def _inside(root: Path, relative: PurePosixPath) -> Path:
    """The file's place under `root`; refused if it would resolve outside (safe names make
    that impossible: this guards the guarantee)."""
    target = root.joinpath(*relative.parts)
    if relative.is_absolute() or not target.resolve().is_relative_to(root):
        raise ExportError(f"refusing to write {relative}: it is outside {root}")
    return target


def write_documents(versions: Iterable[ExportVersion], out: Path, suffix: str) -> list[Path]:
    """Write one `.md` or `.txt` file per version under `out`; the files written, relative to
    `out`, in the order written.

    Versions must come grouped by site (as `policy_versions` orders them): one site's versions
    are held at a time, never the whole corpus. Files already in `out` with the same names are
    replaced; others are left.
    """
    if suffix not in SUFFIXES:
        raise BadInputError(f"no document format {suffix!r}: use one of {', '.join(SUFFIXES)}")
    render = markdown_document if suffix == "md" else text_document
    out.mkdir(parents=True, exist_ok=True)
    root = out.resolve()
    written: list[Path] = []
    sites_done: set[str] = set()
    stem_owners: dict[PurePosixPath, str] = {}
    for site, grouped in groupby(versions, key=lambda version: version.site):
        if site in sites_done:
            raise BadInputError(f"versions must come grouped by site: {site!r} comes twice apart")
        sites_done.add(site)
        for relative, version in site_documents(list(grouped), suffix):
            owner = stem_owners.setdefault(relative.parent, site)
            if owner != site:
                raise BadInputError(
                    f"sites {owner!r} and {site!r} have the same file name"
                    f" {relative.parent.name!r}: rename one in the targets"
                )
            target = _inside(root, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(render(version).encode("utf-8"))
            written.append(Path(relative))
    return written
