"""Fault injection for the local archive: IA's rate limits and firewall, 5xx, resets, cut bodies."""

from __future__ import annotations

import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from crawler import ia_limits

ENDPOINTS = ("cdx", "replay", "available")


class Fault(Enum):
    """What the archive does to one request instead of (or while) answering it."""

    NONE = "none"
    BLOCKED = "blocked"  # connection dropped at once: the firewall after ignored 429s
    RATE_LIMITED = "rate_limited"  # 429 Too Many Requests
    SERVER_ERROR = "server_error"  # a 5xx answer
    RESET = "reset"  # connection reset before any answer
    TRUNCATED = "truncated"  # headers promise the full body; the connection closes halfway
    CUT = "cut"  # no Content-Length: the body ends halfway with the connection, and looks whole
    MALFORMED = "malformed"  # a CDX answer with broken rows among its good ones
    SLOW = "slow"  # the body trickles out over `slow_seconds`


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Every misbehaviour the archive can show; all off by default."""

    rate_limits: bool = False
    cdx_per_minute: int = ia_limits.WAYBACK_IA_CDX_LIMIT_PER_MINUTE
    replay_per_minute: int = ia_limits.WAYBACK_IA_REPLAY_LIMIT_PER_MINUTE
    # The limits count requests in a sliding window: IA's minute, shorter for quick tests.
    window_seconds: float = 60.0
    retry_after: int | None = None  # seconds; IA's own 429s carry no Retry-After
    block_after: int = ia_limits.WAYBACK_IA_BLOCK_AFTER_429S
    block_seconds: float = ia_limits.WAYBACK_IA_BLOCK_SECONDS
    error_rate: float = 0.0
    throttle_rate: float = 0.0  # a share of random 429s, beside (or instead of) the real limits
    error_statuses: tuple[int, ...] = (502, 503, 504)
    reset_rate: float = 0.0
    truncate_rate: float = 0.0
    cut_rate: float = 0.0
    malformed_rate: float = 0.0  # CDX answers only; other endpoints answer as usual
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    latency: float = 0.0
    endpoints: frozenset[str] = frozenset(ENDPOINTS)
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = (
            "error_rate",
            "throttle_rate",
            "reset_rate",
            "truncate_rate",
            "cut_rate",
            "malformed_rate",
        )
        for name in (*rates, "slow_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        shares = (
            self.error_rate,
            self.throttle_rate,
            self.reset_rate,
            self.truncate_rate,
            self.cut_rate,
            self.malformed_rate,
            self.slow_rate,
        )
        if sum(shares) > 1.0:
            raise ValueError(
                "error, throttle, reset, truncate, cut, malformed and slow rates must add up to "
                "at most 1"
            )
        unknown = set(self.endpoints) - set(ENDPOINTS)
        if unknown:
            raise ValueError(f"unknown endpoint(s): {', '.join(sorted(unknown))}")

    @property
    def active(self) -> bool:
        return (
            self.rate_limits
            or self.latency > 0
            or any(
                (
                    self.error_rate,
                    self.throttle_rate,
                    self.reset_rate,
                    self.truncate_rate,
                    self.cut_rate,
                    self.malformed_rate,
                    self.slow_rate,
                )
            )
        )


@dataclass(slots=True)
class FaultStats:
    """How often each fault fired, for tests and the benchmark's report."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, endpoint: str, fault: Fault) -> None:
        self.counts[f"{endpoint}:{fault.value}"] += 1
        self.counts[fault.value] += 1

    def summary(self) -> str:
        """One line: requests per endpoint, then each fault that fired, as `archive serve`
        prints at exit so a run's two sides can be compared."""
        requests = {
            endpoint: sum(
                count for key, count in self.counts.items() if key.startswith(f"{endpoint}:")
            )
            for endpoint in ENDPOINTS
        }
        fired = {
            fault.value: self.counts.get(fault.value, 0)
            for fault in Fault
            if fault is not Fault.NONE and self.counts.get(fault.value, 0)
        }
        said = ", ".join(f"{endpoint} {count:,}" for endpoint, count in requests.items())
        faults = ", ".join(f"{name} {count:,}" for name, count in fired.items()) or "none"
        return f"requests: {said}; faults: {faults}"


class FaultInjector:
    """Decides, request by request, which fault (if any) a client gets.

    Rate limits are per client address and per endpoint over a sliding minute, as IA counts
    them. A client that keeps asking after `block_after` 429s in that minute is dropped at
    connect for `block_seconds`, as IA's firewall does.
    """

    def __init__(self, config: FaultConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.stats = FaultStats()
        self._clock = clock
        self._random = random.Random(config.seed)
        self._requests: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._refusals: dict[str, deque[float]] = defaultdict(deque)
        self._blocked_until: dict[str, float] = {}

    def is_blocked(self, client: str) -> bool:
        until = self._blocked_until.get(client)
        if until is None:
            return False
        if self._clock() >= until:
            del self._blocked_until[client]
            return False
        return True

    def decide(self, client: str, endpoint: str) -> Fault:
        config = self.config
        fault = Fault.NONE
        if self.is_blocked(client):
            fault = Fault.BLOCKED
        elif (
            config.rate_limits
            and endpoint in ("cdx", "replay")
            and self._over_limit(client, endpoint)
        ):
            fault = Fault.RATE_LIMITED
        elif endpoint in config.endpoints:
            fault = self._random_fault()
        self.stats.add(endpoint, fault)
        return fault

    def error_status(self) -> int:
        return self._random.choice(self.config.error_statuses)

    def _over_limit(self, client: str, endpoint: str) -> bool:
        now = self._clock()
        limit = self.config.cdx_per_minute if endpoint == "cdx" else self.config.replay_per_minute
        recent = self._requests[(client, endpoint)]
        while recent and now - recent[0] >= self.config.window_seconds:
            recent.popleft()
        if len(recent) < limit:
            recent.append(now)
            return False
        refusals = self._refusals[client]
        while refusals and now - refusals[0] >= self.config.window_seconds:
            refusals.popleft()
        refusals.append(now)
        if config_blocks(self.config) and len(refusals) > self.config.block_after:
            self._blocked_until[client] = now + self.config.block_seconds
            refusals.clear()
        return True

    def _random_fault(self) -> Fault:
        config = self.config
        draw = self._random.random()
        for rate, fault in (
            (config.error_rate, Fault.SERVER_ERROR),
            (config.throttle_rate, Fault.RATE_LIMITED),
            (config.reset_rate, Fault.RESET),
            (config.truncate_rate, Fault.TRUNCATED),
            (config.cut_rate, Fault.CUT),
            (config.malformed_rate, Fault.MALFORMED),
            (config.slow_rate, Fault.SLOW),
        ):
            if draw < rate:
                return fault
            draw -= rate
        return Fault.NONE


def config_blocks(config: FaultConfig) -> bool:
    """A block_after of 0 turns the firewall off (429s only)."""
    return config.block_after > 0
