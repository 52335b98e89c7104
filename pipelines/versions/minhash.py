"""MinHash sketches, value for value and byte for byte datasketch's affine32 `LeanMinHash`.

Made and read here with numpy alone: datasketch's package imports scipy when it is imported, 0.4
to 0.5 s in every process that makes or reads a sketch (each analysis worker as it starts, and
the crawl as it rebuilds versions at its close). tests/test_dedupe.py compares the values, the
permutations and the stored bytes with datasketch's own, so sketches stored before and after
this module compare with each other.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # numpy takes 0.07 s: loaded on the first sketch, not with the crawler
    import numpy as np

# 1,024 permutations put the estimate's standard error at 0.0044 near the threshold (0.0087
# with 256); a sketch serialises to 4 KB and takes ~130 ms for a 20,000-word page.
SKETCH_PERMUTATIONS = 1024
SKETCH_SEED = 1
# datasketch's scheme (since its 2.0): each input hash mixed by MurmurHash3's finalizer, then
# permuted as a * h + b mod 2^32 with an odd a. Pinned, so that stored sketches stay comparable.
SKETCH_SCHEME = "affine32"
# Shingles permuted at a time: a block of them by every permutation (512 KB) stays in the cache.
_SHINGLE_BLOCK = 128

# datasketch's storage layout, little-endian: the seed (int64), the number of values (int32;
# negated when a scheme code byte follows, which sketches older than its 2.0 lack), then the
# values. Scheme codes and value formats are datasketch's.
_SEED_AND_COUNT = struct.Struct("<qi")
_SCHEME_CODES = {"affine32": 1, "affine64": 2}
_VALUE_TYPES = {"legacy": "<u4", "affine32": "<u4", "affine64": "<u8"}


@dataclass(frozen=True, slots=True, eq=False)
class Sketch:
    """The MinHash values of a set: compare two with `similarity`."""

    values: np.ndarray
    seed: int = SKETCH_SEED
    scheme: str = SKETCH_SCHEME


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The affine32 permutations (a odd, b) that datasketch draws for SKETCH_SEED."""
    import numpy as np

    draw = np.random.RandomState(SKETCH_SEED)
    a = draw.randint(0, 1 << 31, SKETCH_PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, SKETCH_PERMUTATIONS, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which the affine32 scheme mixes each input hash with."""
    import numpy as np

    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def min_hashes(items: Collection[bytes]) -> np.ndarray:
    """The affine32 MinHash values of `items`, as datasketch's `MinHash.update_batch` makes them.

    The input hashes (datasketch's default: sha1's first four bytes, little-endian) without a
    call per item, and the permutations in place, a cache-sized block of items at a time.
    """
    import numpy as np

    a, b = _permutations()
    found = np.full(SKETCH_PERMUTATIONS, np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if not items:
        return found
    digests = (int.from_bytes(hashlib.sha1(item).digest()[:4], "little") for item in items)
    hashes = _fmix32(np.fromiter(digests, dtype=np.uint32, count=len(items)))
    block = np.empty((_SHINGLE_BLOCK, SKETCH_PERMUTATIONS), dtype=np.uint32)
    for start in range(0, len(hashes), _SHINGLE_BLOCK):
        part = hashes[start : start + _SHINGLE_BLOCK, np.newaxis]
        permuted = block[: len(part)]
        np.multiply(part, a, out=permuted)  # uint32: wrapping is the scheme's mod 2^32
        np.add(permuted, b, out=permuted)
        np.minimum(found, permuted.min(axis=0), out=found)
    return found


def similarity(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity (0..1) of the sets behind two sketches.

    Two empty sets are similar (1.0), an empty and a non-empty one are not (0.0).
    Raises ValueError for sketches made with other parameters.
    """
    if (a.scheme, a.seed, len(a.values)) != (b.scheme, b.seed, len(b.values)):
        raise ValueError(
            f"cannot compare a sketch of {a.scheme} seed {a.seed} x {len(a.values)} with one"
            f" of {b.scheme} seed {b.seed} x {len(b.values)}"
        )
    return int((a.values == b.values).sum()) / len(a.values)


def sketch_to_bytes(value: Sketch) -> bytes:
    """A sketch as stored: datasketch's layout, little-endian."""
    values = value.values.astype(_VALUE_TYPES[value.scheme]).tobytes()
    if value.scheme not in _SCHEME_CODES:
        return _SEED_AND_COUNT.pack(value.seed, len(value.values)) + values
    header = _SEED_AND_COUNT.pack(value.seed, -len(value.values))
    return header + bytes((_SCHEME_CODES[value.scheme],)) + values


def sketch_from_bytes(data: bytes) -> Sketch:
    """A stored sketch. Raises ValueError for bytes that are not one."""
    import numpy as np

    try:
        seed, count = _SEED_AND_COUNT.unpack_from(data)
    except struct.error as error:
        raise ValueError(f"not a stored sketch: {error}") from None
    offset = _SEED_AND_COUNT.size
    if count >= 0:
        scheme = "legacy"
    else:
        count = -count
        codes = {code: name for name, code in _SCHEME_CODES.items()}
        if len(data) <= offset or data[offset] not in codes:
            raise ValueError("not a stored sketch: unknown scheme code")
        scheme, offset = codes[data[offset]], offset + 1
    if count == 0:
        raise ValueError("not a stored sketch: no values")
    dtype = np.dtype(_VALUE_TYPES[scheme])
    if len(data) != offset + count * dtype.itemsize:
        raise ValueError(f"not a stored sketch: {len(data)} bytes for {count} values")
    stored = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return Sketch(stored.astype(dtype.newbyteorder("=")), seed, scheme)
