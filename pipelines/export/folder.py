"""The folder an export writes into: created, checked writable, and never emptied unless it
holds a previous policytrail export."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
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


def prepare_folder(out: Path, *, force: bool) -> bool:
    """Make OUT an empty, writable folder; returns whether it was created.

    An existing OUT must be empty, or hold a previous policytrail export and `force` be given
    (everything in it is then removed). Anything else is refused with one line, untouched.
    """
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out}: is a file; the export needs a folder")
    created = not out.exists()
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
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        if created:
            _remove_created(out)
        raise BadInputError(f"{out}: cannot write there ({error.strerror or error})") from None
    if not created:
        empty_folder(out)
    return created


def empty_folder(out: Path) -> None:
    """Remove everything inside OUT (symbolic links themselves, never what they point to)."""
    for entry in out.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def discard(out: Path, created: bool) -> None:
    """Undo a failed export: OUT emptied, and removed if the export created it."""
    if not out.is_dir():
        return
    empty_folder(out)
    if created:
        _remove_created(out)


def _remove_created(out: Path) -> None:
    # made by someone else meanwhile, or not made at all: leave it
    with contextlib.suppress(OSError):
        out.rmdir()
