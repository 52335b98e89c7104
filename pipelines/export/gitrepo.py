"""The `git` export: a repository with one commit per version, in capture order, as the
reference corpus keeps its history (`git log -p -- w/we/we-/we-energies.com.md`)."""

from __future__ import annotations

import calendar
import os
import subprocess
import tempfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from crawler.exceptions import BadInputError, ExportError
from pipelines.export.documents import markdown_document
from pipelines.export.provenance import (
    as_utc,
    corpus_folder,
    html_header,
    html_missing_header,
    html_pdf_header,
    one_line,
    target_stem,
)
from pipelines.export.records import ExportVersion
from pipelines.reading import main_target

BRANCH = "main"
# Every commit's author and committer: the corpus, not whoever ran the export.
IDENTITY = "policytrail <policytrail@localhost>"
# Given on every git command, so what the repository holds does not depend on the user's
# configuration: no signing prompt, no line-ending conversion of the .html bytes, no gc midway.
GIT_SETTINGS = (
    "-c", "user.name=policytrail",
    "-c", "user.email=policytrail@localhost",
    "-c", "commit.gpgsign=false",
    "-c", f"init.defaultBranch={BRANCH}",
    "-c", "core.autocrlf=false",
    "-c", "gc.auto=0",
)  # fmt: skip
# Bytes buffered on the way to fast-import: fewer, larger writes to its pipe.
_STREAM_BUFFER = 1 << 20


def git_environment() -> dict[str, str]:
    """The environment git runs in: no GIT_DIR and the like inherited from a caller (a hook),
    no system or user configuration, no prompts."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    environment.update(
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0"
    )
    return environment


def run_git(out: Path, *args: str) -> str:
    """`git -C out ARGS` with the fixed settings; its output. Failing raises ExportError."""
    try:
        result = subprocess.run(
            ["git", *GIT_SETTINGS, "-C", str(out), *args],
            capture_output=True,
            env=git_environment(),
            check=False,
        )
    except FileNotFoundError as error:
        raise ExportError("the git export needs git, and no `git` is on the PATH") from error
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise ExportError(f"git {args[0]} failed: {message}")
    return result.stdout.decode("utf-8", "replace")


def html_document(version: ExportVersion, payload: bytes | None) -> bytes:
    """An `.html` file: a one-line comment naming the snapshot, a blank line, then the payload's
    bytes as archived. Without a stored payload, or with a PDF's (no HTML source, and a binary
    file where a reader of the corpus expects text), the comment alone says so.

    The comment is ASCII (anything else as character references), so it reads the same under
    whatever ASCII-compatible encoding the payload is in.
    """
    if payload is None or is_pdf(payload):
        words = html_missing_header if payload is None else html_pdf_header
        header = words(version.site, version.archived_on, version.memento_url)
        return header.encode("ascii", "xmlcharrefreplace") + b"\n"
    header = html_header(version.site, version.archived_on, version.memento_url)
    return header.encode("ascii", "xmlcharrefreplace") + b"\n\n" + payload


def commit_body(version: ExportVersion) -> str:
    """What a commit says below its subject: the target, the dates, the snapshot, the id."""
    lines = [f"Target: {one_line(version.target_url)}"]
    if version.effective_date is not None:
        lines.append(f"Effective date: {version.effective_date.isoformat()}")
    lines.append(f"Captured at: {as_utc(version.captured_at).isoformat()}")
    if version.sampled_at is not None:
        lines.append(f"Sampled at: {as_utc(version.sampled_at).isoformat()}")
    if version.memento_url:
        lines.append(f"Snapshot: {one_line(version.memento_url)}")
    lines.append(f"Version id: {version.version_id}")
    return "\n".join(lines) + "\n"


def commit_subject(site: str, target_url: str, main: bool, version: int, archived: str) -> str:
    """`we-energies.com: version 3, archived 2019-07-20`; a target other than the site's main
    one is named in brackets after the site."""
    name = one_line(site) or repr(site)
    target = "" if main else f" ({one_line(target_url)})"
    return f"{name}{target}: version {version}, archived {archived}"


class _FastImport:
    """A `git fast-import` process and the stream of commands written to it."""

    def __init__(self, out: Path, errors: IO[bytes]) -> None:
        self._errors = errors  # git's complaints, read when it fails
        try:
            self._process = subprocess.Popen(
                ["git", *GIT_SETTINGS, "-C", str(out), "fast-import", "--quiet", "--done"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env=git_environment(),
                bufsize=_STREAM_BUFFER,
            )
        except FileNotFoundError as error:
            raise ExportError("the git export needs git, and no `git` is on the PATH") from error
        self._stream: IO[bytes] = self._process.stdin  # type: ignore[assignment]  # a pipe

    def _write(self, *chunks: bytes) -> None:
        try:
            for chunk in chunks:
                self._stream.write(chunk)
        except BrokenPipeError:
            self.finish()  # raises with git's own words when it failed
            raise ExportError("git fast-import stopped reading its input") from None

    def blob(self, mark: int, content: bytes) -> None:
        self._write(b"blob\nmark :%d\ndata %d\n" % (mark, len(content)), content, b"\n")

    def commit(self, when: int, message: bytes, files: Sequence[tuple[int, str]]) -> None:
        person = b"%s %d +0000\n" % (IDENTITY.encode(), when)
        changes = b"".join(b"M 100644 :%d %s\n" % (mark, path.encode()) for mark, path in files)
        self._write(
            f"commit refs/heads/{BRANCH}\n".encode(),
            b"author " + person,
            b"committer " + person,
            b"data %d\n" % len(message),
            message,
            b"\n",
            changes,
            b"\n",
        )

    def finish(self) -> None:
        """End the stream and wait for git; raise ExportError if it failed."""
        try:
            self._stream.write(b"done\n")
            self._stream.close()
        except BrokenPipeError:
            pass
        code = self._process.wait()
        self._errors.seek(0)
        errors = self._errors.read().decode("utf-8", "replace").strip()[-2000:]
        if code != 0:
            raise ExportError(f"git fast-import failed ({code}): {errors}")

    def abandon(self) -> None:
        self._process.kill()
        self._process.wait()


def _prepare(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInputError(f"{out}: the git export makes a new repository: give an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    run_git(out, "init", "--quiet")


def write_git(
    versions: Iterable[ExportVersion], out: Path, raw: Callable[[ExportVersion], bytes | None]
) -> list[Path]:
    """Make `out` (absent or empty) a git repository with one commit per version, oldest capture
    first (ties: site, target, version), each writing the version's `.md` and `.html` at
    `<a>/<ab>/<abc>/<stem>.md|.html`; the work tree is left at the last commit. Returns the
    files of that tree, relative to `out`.

    `raw(version)` gives the capture's bytes (None: not stored, see html_document). Versions may
    come in any order (grouped by site, RawPayloads reads the fewest rows): their files go to
    git as they come, and only a few numbers per version are held until the commits are
    written, some 150 bytes each at the most (150 MB for a million versions).
    Author and committer are IDENTITY, both dated at the capture (UTC).
    """
    _prepare(out)
    with tempfile.TemporaryFile() as errors:
        importer = _FastImport(out, errors)
        try:
            paths = _import(importer, versions, raw)
            importer.finish()
        except BaseException:
            importer.abandon()
            raise
    if paths:
        run_git(out, "reset", "--hard", "--quiet")
    return [Path(path) for path in sorted(paths)]


def _import(
    importer: _FastImport,
    versions: Iterable[ExportVersion],
    raw: Callable[[ExportVersion], bytes | None],
) -> set[str]:
    """Write each version's two files as blobs when it is read; then, all read, the commits,
    which need the global order and each site's set of targets. In between a version is kept
    as a few integers in arrays; its commit message waits in a temporary file. Returns the
    paths the commits wrote."""
    targets: dict[tuple[str, str], int] = {}  # (site, target) -> its number
    moments, target_ids, numbers = array("q"), array("q"), array("q")
    body_starts, body_lengths = array("q"), array("q")
    with tempfile.TemporaryFile() as bodies:
        for index, version in enumerate(versions):
            importer.blob(2 * index + 1, markdown_document(version).encode("utf-8"))
            importer.blob(2 * index + 2, html_document(version, raw(version)))
            moments.append(calendar.timegm(as_utc(version.captured_at).utctimetuple()))
            target_ids.append(targets.setdefault((version.site, version.target_url), len(targets)))
            numbers.append(version.version)
            body = commit_body(version).encode("utf-8")
            body_starts.append(bodies.tell())
            body_lengths.append(len(body))
            bodies.write(body)
        if not moments:
            return set()
        pairs = list(targets)
        files = _target_files(pairs)
        order = _commit_order(moments, target_ids, numbers, pairs)
        last: dict[int, tuple[int, int]] = {}  # target -> (version, moment) of its last commit
        for index in order:
            # sampling instants whose nearest capture is the same write the same two files:
            # a commit of them would change nothing
            written = (numbers[index], moments[index])
            if last.get(target_ids[index]) == written:
                continue
            last[target_ids[index]] = written
            site, target_url = pairs[target_ids[index]]
            folder, stem, main = files[target_ids[index]]
            bodies.seek(body_starts[index])
            body = bodies.read(body_lengths[index])
            archived = _day(moments[index])
            subject = commit_subject(site, target_url, main, numbers[index], archived)
            importer.commit(
                moments[index],
                subject.encode("utf-8") + b"\n\n" + body,
                [(2 * index + 1, f"{folder}/{stem}.md"), (2 * index + 2, f"{folder}/{stem}.html")],
            )
    return {f"{folder}/{stem}{suffix}" for folder, stem, _ in files for suffix in (".md", ".html")}


def _day(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).date().isoformat()


def _target_files(pairs: list[tuple[str, str]]) -> list[tuple[PurePosixPath, str, bool]]:
    """For each (site, target): its folder, its file stem, whether it is the site's main one.
    Two sites whose files would share a name are refused."""
    by_site: dict[str, list[str]] = {}
    for site, target_url in pairs:
        by_site.setdefault(site, []).append(target_url)
    mains = {site: main_target(urls) for site, urls in by_site.items()}
    owners: dict[tuple[PurePosixPath, str], str] = {}
    files = []
    for site, target_url in pairs:
        main = target_url == mains[site]
        folder, stem = corpus_folder(site), target_stem(site, target_url, main)
        owner = owners.setdefault((folder, stem), site)
        if owner != site:
            raise BadInputError(
                f"sites {owner!r} and {site!r} have the same file name {stem!r}:"
                " rename one in the targets"
            )
        files.append((folder, stem, main))
    return files


def _commit_order(
    moments: array[int],
    target_ids: array[int],
    numbers: array[int],
    pairs: list[tuple[str, str]],
) -> list[int]:
    """Record indexes by capture time, then site, target and version, then input order.

    Sorts one integer per record (every part of the key packed into it) rather than a tuple
    per record: a million records take tens of megabytes, not hundreds.
    """
    rank = array("q", bytes(8 * len(pairs)))
    for position, target_id in enumerate(sorted(range(len(pairs)), key=pairs.__getitem__)):
        rank[target_id] = position
    count, earliest = len(moments), min(moments)
    lowest = min(numbers)
    span = max(numbers) - lowest + 1
    keys = sorted(
        (((moments[i] - earliest) * len(pairs) + rank[target_ids[i]]) * span + numbers[i] - lowest)
        * count
        + i
        for i in range(count)
    )
    return [key % count for key in keys]


def is_pdf(payload: bytes) -> bool:
    """Whether a payload is a PDF document, by its signature (a server may label it anything)."""
    return payload[:1024].lstrip().startswith(b"%PDF-")
