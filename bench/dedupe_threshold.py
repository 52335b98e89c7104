"""Benchmark: the near-duplicate threshold measured on Open Terms Archive's series (prints figures).

    .venv/bin/python bench/dedupe_threshold.py

Extracts every snapshot with pipelines.extract.extract_policy, then prints the sketch similarity
of each same-text page to its snapshot and of each pair of consecutive versions, grouped by how
much of version.md changed (markup only, a small edit below 2% of the words, a real change), and
the threshold's margins to each group.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from reference_data import (  # noqa: E402
    SHARED_DATA,
    consecutive_versions,
    extract_text,
    ota_versions,
    word_change,
)

from pipelines.versions import (  # noqa: E402
    NEAR_DUPLICATE_THRESHOLD,
    NOISE_CHECK_FLOOR,
    SHINGLE_WORDS,
    SKETCH_PERMUTATIONS,
    shingles,
    similarity,
    sketch,
)
from pipelines.versions.noise import only_noise  # noqa: E402

REAL_CHANGE = 0.02  # as in tests/test_dedupe_quality.py


def exact_jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right) if left | right else 1.0


def main() -> int:
    if not (SHARED_DATA / "ota").exists():
        print(f"{SHARED_DATA / 'ota'} is not here", file=sys.stderr)
        return 1
    threshold = NEAR_DUPLICATE_THRESHOLD
    started = time.perf_counter()
    texts: dict[Path, str] = {}
    sketches = {}
    for version in ota_versions():
        for path in (version.html, *(page.html for page in version.same_text)):
            texts[path] = extract_text(path, version.url).text
            sketches[path] = sketch(texts[path])
    print(
        f"{len(texts)} pages read by extract_policy and sketched in "
        f"{time.perf_counter() - started:.1f} s; threshold {threshold}, {SKETCH_PERMUTATIONS} "
        f"permutations (standard error at the threshold "
        f"{math.sqrt(threshold * (1 - threshold) / SKETCH_PERMUTATIONS):.4f})"
    )

    same = [
        (version.label, similarity(sketches[version.html], sketches[page.html]))
        for version in ota_versions()
        for page in version.same_text
    ]
    scores = [score for _, score in same]
    print(f"\nsame-text pages vs their snapshot: {len(same)} pairs, similarity {min(scores):.4f}")
    print(f"  .. {max(scores):.4f}; below the threshold: {sum(s < threshold for s in scores)}")

    groups: dict[str, list[tuple[float, str]]] = {
        "markup only": [],
        "small edit": [],
        "real change": [],
        "extraction empty": [],
    }
    print(
        "\nconsecutive versions (version.md words changed; sketch and exact "
        f"{SHINGLE_WORDS}-shingle Jaccard\nof the extracted texts; 'near': one version by sketch,"
        " 'noise': also word by word):"
    )
    print(f"  {'pair':<34}{'changed':>16}{'share':>8}{'sketch':>8}{'exact':>8}  group")
    rows = []
    for earlier, later in consecutive_versions():
        change = word_change(earlier.reference_text(), later.reference_text())
        before, after = texts[earlier.html], texts[later.html]
        score = similarity(sketches[earlier.html], sketches[later.html])
        if not before or not after:
            group = "extraction empty"
        elif change.changed == 0:
            group = "markup only"
        elif change.fraction < REAL_CHANGE:
            group = "small edit"
        else:
            group = "real change"
        label = f"{earlier.label} -> {later.name[:3]}"
        # With the texts, as rebuild_versions runs: the word-by-word check decides.
        noise = score >= NOISE_CHECK_FLOOR and only_noise(before, after)
        groups[group].append((score, label, noise))
        exact = exact_jaccard(before, after)
        rows.append((change.fraction, label, change, score, exact, group, noise))
    for fraction, label, change, score, exact, group, noise in sorted(rows):
        near = " ".join(word for word, on in (("near", score >= threshold), ("noise", noise)) if on)
        print(
            f"  {label:<34}{change.changed:>7} of {change.total:>6}{fraction:>8.2%}"
            f"{score:>8.4f}{exact:>8.4f}  {group} {near}"
        )

    print(
        "\nby group: pairs, sketch similarity range, near-duplicates at the threshold,"
        " one version word by word (noise)"
    )
    for group, members in groups.items():
        if members:
            values = [score for score, _, _ in members]
            print(
                f"  {group:<17}{len(members):>3}  {min(values):.4f} .. {max(values):.4f}"
                f"  near: {sum(value >= threshold for value in values)}"
                f"  noise: {sum(noise for _, _, noise in members)}"
            )
    real = max(score for score, _, _ in groups["real change"])
    small = groups["small edit"]
    small_noise = sorted(label for _, label, noise in small if noise)
    small_near = sorted(label for score, label, noise in small if score >= threshold and not noise)
    small_apart = sorted(label for score, label, _ in small if score < threshold)
    real_noise = sorted(label for _, label, noise in groups["real change"] if noise)
    print(f"\nmargin above the closest real change ({real:.4f}): {threshold - real:+.4f}")
    lowest = min(scores)
    print(f"margin below the lowest same-text page ({lowest:.4f}): {lowest - threshold:+.4f}")
    print(f"small edits kept apart by sketch: {', '.join(small_apart) or '-'}")
    print("small edits near by sketch, kept apart word by word (when the texts are given):")
    print(f"  {', '.join(small_near) or '-'}")
    print(f"small edits one version even word by word: {', '.join(small_noise) or '-'}")
    print(f"real changes one version word by word (should be none): {', '.join(real_noise) or '-'}")
    tolerated = math.ceil(2 * SHINGLE_WORDS / (1 - threshold))
    print(
        f"\nat {threshold}, a one-word edit (a copyright year) is tolerated in texts of about "
        f"{tolerated} words or more, a 12-word line in about "
        f"{math.ceil(2 * (12 + SHINGLE_WORDS - 1) / (1 - threshold))} or more"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
