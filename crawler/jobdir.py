"""Scrapy's JOBDIR, trusted only when the crawl that used it last closed it cleanly."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

# What Scrapy keeps in a JOBDIR: the request queue, the duplicate filter, the spider's state.
JOB_FILES = ("requests.queue", "requests.seen", "spider.state")


# Written in a JOBDIR when a crawl closed Scrapy's queue cleanly; absent, the queue is torn.
CLOSED_MARK = "policytrail.closed"


def open_job(jobdir: Path) -> None:
    """Use a JOBDIR only if the last crawl that used it closed it: a disk queue written up to
    a SIGKILL (or a second Ctrl-C) can lose the requests pushed onto it later."""
    mark = jobdir / CLOSED_MARK
    if (jobdir / "requests.queue").exists() and not mark.exists():
        forget_job_queue(jobdir)
    mark.unlink(missing_ok=True)


def close_job(jobdir: Path) -> None:
    jobdir.mkdir(parents=True, exist_ok=True)
    (jobdir / CLOSED_MARK).write_text("closed cleanly: the queue may be resumed\n")


def forget_job_queue(jobdir: Path) -> None:
    """A JOBDIR whose last crawl did not close it is not to be trusted. The database says
    what is left to do, so the job's files go and the run starts its queue afresh."""
    removed = []
    for name in JOB_FILES:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(name)
    if removed:
        logger.warning(
            "%s: the last crawl using it did not close it, so its queue is not trusted: "
            "cleared %s (the database says what is left to do)",
            jobdir,
            ", ".join(removed),
        )
