"""Named kill points: a test-only hook that SIGKILLs the crawl at a chosen moment.

The reliability tests set POLICYTRAIL_KILL_AT=NAME:N (crawler/settings.py reads it) and the
process kills itself the Nth time it passes NAME; NAME:N:enospc raises "No space left on
device" there instead, as a full disk would. Unset, `kill_point` costs one comparison.
"""

from __future__ import annotations

import errno
import os
import signal

from crawler import settings

# Where a crawl can be killed on purpose, in the order a capture passes them.
KILL_POINTS = ("listing", "fetching", "warc", "transaction", "versions")
# Where a write can be made to fail: the run's opening, and the store's transactions.
WRITE_POINTS = ("begin", "transaction")

_passes: dict[str, int] = {}


def passing(name: str) -> bool:
    """Count a pass at `name`; True when this pass is the one POLICYTRAIL_KILL_AT names."""
    spec = settings.POLICYTRAIL_KILL_AT
    if not spec:
        return False
    wanted, _, rest = spec.partition(":")
    if wanted != name:
        return False
    after = rest.split(":")[0]
    _passes[name] = _passes.get(name, 0) + 1
    return _passes[name] == int(after or 1)


def kill_point(name: str) -> None:
    """Kill the process here if POLICYTRAIL_KILL_AT names this point and its turn has come
    (or, with `:enospc`, fail as a full disk does)."""
    if passing(name):
        if (settings.POLICYTRAIL_KILL_AT or "").endswith(":enospc"):
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        kill_now()


def kill_now() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
