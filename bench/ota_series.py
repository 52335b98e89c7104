"""Open Terms Archive's recorded snapshots as an archive: each service's privacy-policy pages in
time order, written as WARC captures of the URL OTA fetched them from (issue 12).

    .venv/bin/python bench/ota_series.py --out /tmp/ota   # needs ../shared/data/ota

OTA records a snapshot whenever a page's HTML changes and a version whenever its text does;
the shared folder holds, per service, some of those versions (`snapshot.html`, `version.md`)
with, for some, later snapshots of the same text (`same_text_snapshot_<time>.html`). Served in
time order, they are a real history whose text changes are known: fetching every payload and
change-point fetching must build the same versions from it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.archive.builder import CaptureSpec, write_warc  # noqa: E402

OTA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ota"
HTML = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass(frozen=True, slots=True)
class Snapshot:
    service: str
    url: str
    timestamp: str  # 14 digits, UTC
    path: Path
    version: str  # the folder of the OTA version whose text it shows


def snapshots(root: Path = OTA) -> dict[str, list[Snapshot]]:
    """Each service's snapshots of its privacy policy, in time order, for services with more
    than one version in the shared folder."""
    urls: dict[str, str] = {}
    with (root / "REPLAY_MAP.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            folder = str(Path(row["file"]).parent)
            urls[folder] = row["original_url"]
    found: dict[str, list[Snapshot]] = {}
    for folder in sorted(root.glob("*/*/Privacy Policy/*_*T*")):
        relative = str(folder.relative_to(root))
        service = folder.parent.parent.name
        url = urls.get(relative)
        if url is None or not (folder / "snapshot.html").is_file():
            continue
        stamp = folder.name.split("_", 1)[1].replace("T", "")
        series = found.setdefault(service, [])
        series.append(Snapshot(service, url, stamp, folder / "snapshot.html", relative))
        for same in sorted(folder.glob("same_text_snapshot_*.html")):
            stamp = same.stem.rsplit("_", 1)[1].replace("T", "")
            series.append(Snapshot(service, url, stamp, same, relative))
    return {
        service: sorted(series, key=lambda snapshot: snapshot.timestamp)
        for service, series in found.items()
        if len({snapshot.version for snapshot in series}) > 1
    }


def build(folder: Path, root: Path = OTA) -> tuple[Path, int, int]:
    """WARCs and a targets CSV in `folder`; returns (targets, snapshots, OTA versions)."""
    series = snapshots(root)
    specs, lines = [], ["site,policy_url"]
    for service, found in series.items():
        site = service.lower().replace(" ", "-") + ".ota"
        lines.append(f"{site},{found[0].url}")
        for snapshot in found:
            body = snapshot.path.read_bytes()
            specs.append(CaptureSpec(snapshot.url, snapshot.timestamp, headers=HTML, body=body))
    write_warc(specs, folder / "warcs" / "ota.warc.gz")
    targets = folder / "targets.csv"
    targets.write_text("\n".join(lines) + "\n")
    versions = sum(len({s.version for s in found}) for found in series.values())
    return targets, len(specs), versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not OTA.is_dir():
        sys.exit(f"skipped: {OTA} is absent (it ships with ../shared only)")
    targets, count, versions = build(args.out)
    print(f"{count} snapshots of {len(snapshots())} services, {versions} OTA versions: {targets}")


if __name__ == "__main__":
    main()
