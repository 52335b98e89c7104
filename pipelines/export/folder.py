"""The folder an export writes into: created, checked writable, and never emptied unless it
holds a previous policytrail export."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crawler.exceptions import BadInputError

MANIFEST = "MANIFEST.json"


def is_export(folder: Path) -> bool:
    """Whether `folder` holds a policytrail export: a MANIFEST.json that policytrail wrote."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    software = manifest.get("software") if isinstance(manifest, dict) else None
    return isinstance(software, dict) and software.get("name") == "policytrail"


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an export writes (`write_to`) and what becomes of OUT when it ends."""

    out: Path
    write_to: Path  # OUT itself, or with --force over an export a new folder beside it
    created: bool  # OUT did not exist


def prepare_folder(out: Path, *, force: bool) -> Destination:
    """Make a folder to write the export in.

    An existing OUT must be empty, or hold a previous policytrail export and `force` be given:
    the new export is then written beside it and takes its place only once complete, so a
    failed export leaves the previous one as it was. Anything else is refused with one line.
    """
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out}: is a file; the export needs a folder")
    created = not out.exists()
    replacing = False
    if not created and any(out.iterdir()):
        if not force:
            raise BadInputError(
                f"{out} is not empty; give --force to replace the export in it, or name "
                "a new folder"
            )
        if not is_export(out):
            raise BadInputError(
                f"{out} holds files that are not a policytrail export (no {MANIFEST}): "
                "refusing to delete them, even with --force"
            )
        replacing = True
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
        write_to = (
            Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent)) if replacing else out
        )
    except OSError as error:
        if created:
            _remove_created(out)
        raise BadInputError(f"{out}: cannot write there ({error.strerror or error})") from None
    return Destination(out, write_to, created)


def finish(destination: Destination) -> None:
    """A complete export takes OUT's place (the previous export is removed only then)."""
    if destination.write_to == destination.out:
        return
    old = Path(tempfile.mkdtemp(prefix=f".{destination.out.name}.old-", dir=destination.out.parent))
    destination.out.rename(old / "export")
    destination.write_to.rename(destination.out)
    shutil.rmtree(old)


def discard(destination: Destination) -> None:
    """Undo a failed export: what it wrote removed, OUT as it was before."""
    if destination.write_to != destination.out:
        shutil.rmtree(destination.write_to, ignore_errors=True)
        return
    if not destination.out.is_dir():
        return
    empty_folder(destination.out)
    if destination.created:
        _remove_created(destination.out)


def empty_folder(out: Path) -> None:
    """Remove everything inside OUT (symbolic links themselves, never what they point to)."""
    for entry in out.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _remove_created(out: Path) -> None:
    # made by someone else meanwhile, or not made at all: leave it
    with contextlib.suppress(OSError):
        out.rmdir()
