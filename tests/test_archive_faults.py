"""Fault injection: the injector's decisions on a fake clock, and each fault as a client sees it."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

import pytest

from crawler import settings
from crawler.archive.builder import CaptureSpec
from crawler.archive.faults import ENDPOINTS, Fault, FaultConfig, FaultInjector
from crawler.archive.server import ArchiveOptions, ArchiveServer

CLIENT = "192.0.2.1"
OTHER_CLIENT = "192.0.2.2"
BODY = b"<p>" + b"privacy policy text " * 500 + b"</p>"
CAPTURES = [
    CaptureSpec(
        "http://example.com/privacy",
        "20100101000000",
        body=BODY,
        headers=(("Content-Type", "text/html"),),
    ),
]
CDX_PATH = "/cdx/search/cdx?url=example.com/privacy"
REPLAY_PATH = "/web/20100101000000id_/http://example.com/privacy"
AVAILABLE_PATH = "/wayback/available?url=example.com/privacy"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def injector(clock: FakeClock, **config) -> FaultInjector:
    return FaultInjector(FaultConfig(**config), clock=clock)


def decisions(faults: FaultInjector, count: int, client: str = CLIENT, endpoint: str = "cdx"):
    return [faults.decide(client, endpoint) for _ in range(count)]


# ---- FaultConfig -----------------------------------------------------------------------------


def test_default_config_is_inactive_with_ias_limits() -> None:
    config = FaultConfig()
    assert not config.active
    assert config.cdx_per_minute == settings.WAYBACK_IA_CDX_LIMIT_PER_MINUTE
    assert config.replay_per_minute == settings.WAYBACK_IA_REPLAY_LIMIT_PER_MINUTE
    assert config.retry_after is None
    assert config.endpoints == frozenset(ENDPOINTS)


@pytest.mark.parametrize(
    "config",
    [
        {"rate_limits": True},
        {"latency": 0.1},
        {"error_rate": 0.1},
        {"reset_rate": 0.1},
        {"truncate_rate": 0.1},
        {"slow_rate": 0.1},
    ],
)
def test_any_fault_makes_the_config_active(config) -> None:
    assert FaultConfig(**config).active


@pytest.mark.parametrize(
    "name", ["error_rate", "throttle_rate", "reset_rate", "truncate_rate", "slow_rate"]
)
@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_rates_must_be_between_0_and_1(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"{name} must be between 0 and 1"):
        FaultConfig(**{name: value})


def test_rates_must_add_up_to_at_most_1() -> None:
    with pytest.raises(ValueError, match="add up to at most 1"):
        FaultConfig(error_rate=0.5, reset_rate=0.3, truncate_rate=0.3)
    assert FaultConfig(error_rate=0.5, reset_rate=0.25, truncate_rate=0.25).active


def test_endpoints_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown endpoint.*timemap"):
        FaultConfig(endpoints=frozenset({"cdx", "timemap"}))


# ---- rate limits over a sliding minute -------------------------------------------------------


def test_rate_limit_refuses_beyond_the_limit_in_a_minute(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=3, block_after=0)
    got = []
    for _ in range(5):
        got.append(faults.decide(CLIENT, "cdx"))
        clock.advance(1)
    assert got == [Fault.NONE] * 3 + [Fault.RATE_LIMITED] * 2


def test_rate_limit_window_slides(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=2, block_after=0)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE  # t=0
    clock.advance(30)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE  # t=30
    assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED
    clock.advance(29.9)
    assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED  # t=59.9: both still inside
    clock.advance(0.1)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE  # t=60: the first one left the window
    assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED
    clock.advance(30)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE  # t=90: the second one left


def test_refused_requests_do_not_use_up_the_allowance(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=1, block_after=0)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE
    for _ in range(10):
        clock.advance(5)
        assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED
    clock.advance(10)  # 60 s after the one allowed request
    assert faults.decide(CLIENT, "cdx") is Fault.NONE


def test_rate_limits_are_per_client(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=2, block_after=0)
    assert decisions(faults, 3) == [Fault.NONE, Fault.NONE, Fault.RATE_LIMITED]
    assert decisions(faults, 3, OTHER_CLIENT) == [Fault.NONE, Fault.NONE, Fault.RATE_LIMITED]


def test_rate_limits_are_per_endpoint(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=2, replay_per_minute=4, block_after=0)
    assert decisions(faults, 3, endpoint="cdx")[-1] is Fault.RATE_LIMITED
    assert decisions(faults, 5, endpoint="replay") == [Fault.NONE] * 4 + [Fault.RATE_LIMITED]
    # The availability API has no limit of its own.
    assert set(decisions(faults, 50, endpoint="available")) == {Fault.NONE}


def test_rate_limits_off_means_no_429s(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=False, cdx_per_minute=1)
    assert set(decisions(faults, 100)) == {Fault.NONE}


# ---- the firewall ----------------------------------------------------------------------------


def test_client_is_blocked_after_too_many_429s_and_unblocked_later(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=1, block_after=2, block_seconds=100)
    assert decisions(faults, 4) == [Fault.NONE] + [Fault.RATE_LIMITED] * 3
    assert faults.is_blocked(CLIENT)
    # Blocked for every endpoint, the availability API included.
    for endpoint in ENDPOINTS:
        assert faults.decide(CLIENT, endpoint) is Fault.BLOCKED
    assert faults.decide(OTHER_CLIENT, "cdx") is Fault.NONE
    clock.advance(99.9)
    assert faults.decide(CLIENT, "replay") is Fault.BLOCKED
    clock.advance(0.1)
    assert not faults.is_blocked(CLIENT)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE


def test_blocked_requests_count_as_no_requests(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=1, block_after=1, block_seconds=10)
    assert decisions(faults, 3) == [Fault.NONE, Fault.RATE_LIMITED, Fault.RATE_LIMITED]
    assert decisions(faults, 20) == [Fault.BLOCKED] * 20
    clock.advance(10)
    # Unblocked, but the one allowed request is still within the minute.
    assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED
    assert not faults.is_blocked(CLIENT)


def test_429s_spread_over_more_than_a_minute_do_not_block(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=1, block_after=2, block_seconds=10)
    assert faults.decide(CLIENT, "cdx") is Fault.NONE
    for _ in range(2):
        clock.advance(1)
        assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED
    clock.advance(60)  # the two 429s fall out of the minute, and so does the allowed request
    assert faults.decide(CLIENT, "cdx") is Fault.NONE
    clock.advance(1)
    assert faults.decide(CLIENT, "cdx") is Fault.RATE_LIMITED
    assert not faults.is_blocked(CLIENT)


def test_429s_on_both_endpoints_add_up(clock: FakeClock) -> None:
    faults = injector(
        clock,
        rate_limits=True,
        cdx_per_minute=1,
        replay_per_minute=1,
        block_after=2,
        block_seconds=10,
    )
    assert decisions(faults, 2, endpoint="cdx") == [Fault.NONE, Fault.RATE_LIMITED]
    assert decisions(faults, 2, endpoint="replay") == [Fault.NONE, Fault.RATE_LIMITED]
    assert not faults.is_blocked(CLIENT)
    assert faults.decide(CLIENT, "replay") is Fault.RATE_LIMITED
    assert faults.is_blocked(CLIENT)


def test_block_after_0_never_blocks(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=1, block_after=0)
    assert decisions(faults, 200)[1:] == [Fault.RATE_LIMITED] * 199
    assert not faults.is_blocked(CLIENT)


def test_stats_count_each_fault_per_endpoint(clock: FakeClock) -> None:
    faults = injector(clock, rate_limits=True, cdx_per_minute=2, block_after=0)
    decisions(faults, 5)
    decisions(faults, 1, endpoint="replay")
    assert faults.stats.counts["cdx:none"] == 2
    assert faults.stats.counts["cdx:rate_limited"] == 3
    assert faults.stats.counts["replay:none"] == 1
    assert faults.stats.counts["none"] == 3
    assert faults.stats.counts["rate_limited"] == 3


# ---- random faults ---------------------------------------------------------------------------


def test_same_seed_gives_the_same_faults(clock: FakeClock) -> None:
    config = {"error_rate": 0.2, "reset_rate": 0.2, "truncate_rate": 0.2, "slow_rate": 0.2}
    first = injector(clock, seed=7, **config)
    second = injector(clock, seed=7, **config)
    other = injector(clock, seed=8, **config)
    run = decisions(first, 300, endpoint="replay")
    assert decisions(second, 300, endpoint="replay") == run
    assert decisions(other, 300, endpoint="replay") != run
    assert [first.error_status() for _ in range(20)] == [second.error_status() for _ in range(20)]


def test_rate_shares_are_roughly_honoured(clock: FakeClock) -> None:
    faults = injector(
        clock,
        seed=1,
        error_rate=0.25,
        throttle_rate=0.05,
        reset_rate=0.1,
        truncate_rate=0.15,
        slow_rate=0.05,
    )
    counts = Counter(decisions(faults, 2000, endpoint="replay"))
    expected = {
        Fault.SERVER_ERROR: 0.25,
        Fault.RATE_LIMITED: 0.05,
        Fault.RESET: 0.1,
        Fault.TRUNCATED: 0.15,
        Fault.SLOW: 0.05,
        Fault.NONE: 0.4,
    }
    for fault, share in expected.items():
        assert abs(counts[fault] / 2000 - share) < 0.04, (fault, counts)
    assert set(counts) == set(expected)


def test_throttle_rate_gives_429s_whatever_the_pace(clock: FakeClock) -> None:
    faults = injector(clock, throttle_rate=1.0, block_after=1, endpoints=frozenset({"cdx"}))
    assert set(decisions(faults, 50)) == {Fault.RATE_LIMITED}
    # Random 429s are not the client's doing: they never bring the firewall down on it.
    assert not faults.is_blocked(CLIENT)
    assert set(decisions(faults, 20, endpoint="replay")) == {Fault.NONE}


def test_a_rate_of_1_always_fires(clock: FakeClock) -> None:
    assert set(decisions(injector(clock, reset_rate=1.0), 100)) == {Fault.RESET}
    assert set(decisions(injector(clock, slow_rate=1.0), 100)) == {Fault.SLOW}


def test_error_status_is_one_of_the_configured(clock: FakeClock) -> None:
    faults = injector(clock, seed=3, error_rate=1.0)
    assert {faults.error_status() for _ in range(200)} == {502, 503, 504}
    only = injector(clock, error_rate=1.0, error_statuses=(500,))
    assert {only.error_status() for _ in range(20)} == {500}


def test_random_faults_only_on_chosen_endpoints(clock: FakeClock) -> None:
    faults = injector(clock, error_rate=1.0, endpoints=frozenset({"replay"}))
    assert set(decisions(faults, 50, endpoint="cdx")) == {Fault.NONE}
    assert set(decisions(faults, 50, endpoint="available")) == {Fault.NONE}
    assert set(decisions(faults, 50, endpoint="replay")) == {Fault.SERVER_ERROR}


def test_rate_limits_hold_on_endpoints_without_random_faults(clock: FakeClock) -> None:
    faults = injector(
        clock,
        rate_limits=True,
        cdx_per_minute=1,
        block_after=0,
        error_rate=1.0,
        endpoints=frozenset({"replay"}),
    )
    assert decisions(faults, 2, endpoint="cdx") == [Fault.NONE, Fault.RATE_LIMITED]


# ---- over HTTP -------------------------------------------------------------------------------


def start(archive_factory, **config) -> ArchiveServer:
    return archive_factory(CAPTURES, ArchiveOptions(faults=FaultConfig(**config)))


def request(archive: ArchiveServer, path: str) -> tuple[int, http.client.HTTPResponse, bytes]:
    """One request on a fresh connection: status, response and the whole body."""
    parts = urlsplit(archive.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response, response.read()
    finally:
        connection.close()


def test_no_faults_by_default(archive_factory) -> None:
    archive = archive_factory(CAPTURES)
    for path in (CDX_PATH, REPLAY_PATH, AVAILABLE_PATH):
        assert request(archive, path)[0] == 200
    assert request(archive, REPLAY_PATH)[2] == BODY


def test_429_without_retry_after_as_ia_sends_it(archive_factory) -> None:
    archive = start(archive_factory, rate_limits=True, cdx_per_minute=2, block_after=0)
    assert [request(archive, CDX_PATH)[0] for _ in range(2)] == [200, 200]
    status, response, body = request(archive, CDX_PATH)
    assert status == 429
    assert response.getheader("Retry-After") is None
    assert b"Too Many Requests" in body
    # Replays have their own allowance.
    assert request(archive, REPLAY_PATH)[0] == 200
    assert archive.stats["cdx:rate_limited"] == 1


def test_429_with_retry_after_when_configured(archive_factory) -> None:
    archive = start(
        archive_factory, rate_limits=True, replay_per_minute=1, retry_after=7, block_after=0
    )
    assert request(archive, REPLAY_PATH)[0] == 200
    status, response, _ = request(archive, REPLAY_PATH)
    assert status == 429
    assert response.getheader("Retry-After") == "7"
    assert response.getheader("Memento-Datetime") is None


def test_firewall_resets_connections_after_429s(archive_factory) -> None:
    archive = start(
        archive_factory, rate_limits=True, cdx_per_minute=1, block_after=1, block_seconds=600
    )
    assert [request(archive, CDX_PATH)[0] for _ in range(3)] == [200, 429, 429]
    for path in (CDX_PATH, REPLAY_PATH):
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            request(archive, path)
    assert archive.stats["blocked"] == 2
    # Paths outside the API are not guarded (the home page answers).
    assert request(archive, "/")[0] == 200


def test_random_429_carries_retry_after_when_configured(archive_factory) -> None:
    archive = start(archive_factory, throttle_rate=1.0, retry_after=3)
    status, response, _ = request(archive, REPLAY_PATH)
    assert status == 429
    assert response.getheader("Retry-After") == "3"
    assert archive.stats["replay:rate_limited"] == 1


@pytest.mark.parametrize("path", [CDX_PATH, REPLAY_PATH, AVAILABLE_PATH])
def test_server_errors(archive_factory, path: str) -> None:
    archive = start(archive_factory, error_rate=1.0, seed=5)
    statuses = {request(archive, path)[0] for _ in range(12)}
    assert statuses <= {502, 503, 504}
    assert len(statuses) > 1


def test_server_error_status_as_configured(archive_factory) -> None:
    archive = start(archive_factory, error_rate=1.0, error_statuses=(503,))
    status, response, _ = request(archive, REPLAY_PATH)
    assert status == 503
    assert response.getheader("Memento-Datetime") is None
    assert archive.stats["replay:server_error"] == 1


def test_reset_gives_the_client_a_connection_error(archive_factory) -> None:
    archive = start(archive_factory, reset_rate=1.0)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        request(archive, REPLAY_PATH)
    # urllib lets a reset during the answer through unwrapped; one while connecting as URLError.
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        urllib.request.urlopen(f"{archive.base_url}{CDX_PATH}", timeout=10)
    assert archive.stats["reset"] == 2


def test_truncated_body_is_shorter_than_its_content_length(archive_factory) -> None:
    archive = start(archive_factory, truncate_rate=1.0, endpoints=frozenset({"replay"}))
    with pytest.raises(http.client.IncompleteRead) as caught:
        request(archive, REPLAY_PATH)
    assert 0 < len(caught.value.partial) < len(BODY)
    assert BODY.startswith(caught.value.partial)
    assert caught.value.expected == len(BODY) - len(caught.value.partial)
    # The CDX endpoint was left out of the faults: complete.
    assert request(archive, CDX_PATH)[0] == 200


def test_truncated_response_keeps_status_and_headers(archive_factory) -> None:
    archive = start(archive_factory, truncate_rate=1.0)
    parts = urlsplit(archive.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", REPLAY_PATH)
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") == str(len(BODY))
        assert response.getheader("Memento-Datetime") == "Fri, 01 Jan 2010 00:00:00 GMT"
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        connection.close()


def test_slow_body_arrives_complete_but_late(archive_factory) -> None:
    archive = start(archive_factory, slow_rate=1.0, slow_seconds=0.5)
    started = time.monotonic()
    status, response, body = request(archive, REPLAY_PATH)
    elapsed = time.monotonic() - started
    assert status == 200
    assert body == BODY
    assert response.getheader("Memento-Datetime") == "Fri, 01 Jan 2010 00:00:00 GMT"
    assert elapsed >= 0.5 * 0.8
    assert archive.stats["slow"] == 1


def test_latency_delays_every_answer(archive_factory) -> None:
    archive = start(archive_factory, latency=0.3)
    for path in (CDX_PATH, REPLAY_PATH):
        started = time.monotonic()
        assert request(archive, path)[0] == 200
        assert time.monotonic() - started >= 0.3 * 0.8


def test_faults_only_on_replay_leave_cdx_clean(archive_factory) -> None:
    archive = start(
        archive_factory, error_rate=0.5, reset_rate=0.5, seed=11, endpoints=frozenset({"replay"})
    )
    for _ in range(10):
        assert request(archive, CDX_PATH)[0] == 200
        assert request(archive, AVAILABLE_PATH)[0] == 200
    assert archive.stats["cdx:none"] == 10
    assert archive.stats["available:none"] == 10
    outcomes: Counter = Counter()
    for _ in range(10):
        try:
            outcomes[request(archive, REPLAY_PATH)[0]] += 1
        except (ConnectionError, http.client.HTTPException):
            outcomes["reset"] += 1
    assert set(outcomes) <= {"reset", 502, 503, 504}
    assert outcomes["reset"] == archive.stats["replay:reset"] > 0
    assert archive.stats["replay:server_error"] == 10 - outcomes["reset"] > 0
