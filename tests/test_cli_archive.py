"""`policytrail archive build|serve` as a user runs them: in a subprocess, output, exit code."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.wayback import parse_cdx_text

STARTUP_SECONDS = 30


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The user's environment, with the index cache kept inside the test's folder."""
    return {**os.environ, "POLICYTRAIL_CACHE_DIR": str(tmp_path / "cache")}


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


def record_types(path: Path) -> list[str]:
    with path.open("rb") as stream:
        return [record.rec_type for record in ArchiveIterator(stream)]


# ---- archive build ---------------------------------------------------------------------------


def test_build_from_a_json_spec(tmp_path: Path, env) -> None:
    (tmp_path / "v2.html").write_text("<p>second</p>", encoding="utf-8")
    (tmp_path / "spec.json").write_text(
        json.dumps(
            {
                "captures": [
                    {
                        "url": "http://example.com/privacy",
                        "timestamp": "2010",
                        "body": "<p>first</p>",
                        "headers": {"Content-Type": "text/html"},
                    },
                    {
                        "url": "http://example.com/privacy",
                        "timestamp": "2011",
                        "body_file": "v2.html",
                    },
                    {
                        "url": "http://example.com/privacy",
                        "timestamp": "2012",
                        "kind": "revisit",
                        "refers_to_timestamp": "2010",
                    },
                    {"url": "http://example.com/terms", "timestamp": "2012", "body": "terms"},
                ]
            }
        ),
        encoding="utf-8",
    )
    result = run("archive", "build", "spec.json", "out/policies.warc.gz", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("out/policies.warc.gz: 3 response(s), 1 revisit(s), 2 URL(s)")
    types = record_types(tmp_path / "out" / "policies.warc.gz")
    assert types.count("response") == 3
    assert types.count("revisit") == 1


def test_build_from_a_csv_spec(tmp_path: Path, env) -> None:
    (tmp_path / "spec.csv").write_text(
        "url,timestamp,status,content_type,location,body\n"
        "http://example.com/privacy,2010,200,text/html,,<p>policy</p>\n"
        "http://example.com/old,2010,301,,/privacy,\n",
        encoding="utf-8",
    )
    result = run("archive", "build", "spec.csv", "csv.warc", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "csv.warc: 2 response(s), 0 revisit(s), 2 URL(s)"
    assert record_types(tmp_path / "csv.warc") == [
        "warcinfo",
        "response",
        "request",
        "response",
        "request",
    ]


@pytest.mark.parametrize(
    ("spec", "text", "words"),
    [
        (
            "spec.json",
            '[{"url": "http://e/", "timestamp": "20101301"}]',
            ("policytrail: error: ", "spec.json: entry 1:", "not a real date"),
        ),
        ("spec.json", "[{", ("spec.json: entry -: not valid JSON",)),
        (
            "spec.json",
            '[{"url": "http://e/", "timestamp": "2010", "body_file": "gone.html"}]',
            ("spec.json: entry 1:", "gone.html"),
        ),
        (
            "spec.json",
            '[{"url": "http://e/", "timestamp": "2011", "kind": "revisit",'
            ' "refers_to_timestamp": "2010"}]',
            ("spec.json", "revisit of http://e/", "no such capture"),
        ),
        ("spec.csv", "url,timestamp,status\nhttp://e/,2010,ok\n", ("spec.csv: entry line 2:",)),
        ("spec.csv", "url,when\n", ("spec.csv: entry header: missing column(s) timestamp",)),
    ],
)
def test_build_with_a_bad_spec_fails_in_one_line(tmp_path, env, spec, text, words) -> None:
    (tmp_path / spec).write_text(text, encoding="utf-8")
    result = run("archive", "build", spec, "out.warc.gz", cwd=tmp_path, env=env)
    assert result.returncode == 2  # bad input: refused
    assert_one_line_error(result, *words)
    assert result.stdout == ""
    assert not (tmp_path / "out.warc.gz").exists()


def test_build_of_a_missing_spec(tmp_path: Path, env) -> None:
    result = run("archive", "build", "missing.json", "out.warc.gz", cwd=tmp_path, env=env)
    assert_one_line_error(result, "missing.json", "no such file")


def test_build_refuses_an_output_name_that_is_no_warc(tmp_path: Path, env) -> None:
    (tmp_path / "spec.json").write_text("[]", encoding="utf-8")
    result = run("archive", "build", "spec.json", "out.zip", cwd=tmp_path, env=env)
    assert_one_line_error(result, "out.zip", ".warc.gz")
    assert not (tmp_path / "out.zip").exists()


# ---- archive serve ---------------------------------------------------------------------------


class Served:
    """A running `policytrail archive serve` and the base URL it printed."""

    def __init__(self, process: subprocess.Popen[str], base_url: str) -> None:
        self.process = process
        self.base_url = base_url


def first_line(process: subprocess.Popen[str], seconds: float) -> str:
    """The first line the process prints on stdout, or fail after `seconds`."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=seconds):
            raise AssertionError(f"no base URL printed within {seconds} s")
    return process.stdout.readline().strip()


@pytest.fixture
def serve(tmp_path: Path, env) -> Iterator:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Served:
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler", "archive", "serve", *args],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return Served(process, first_line(process, STARTUP_SECONDS))

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    return write_warc(
        [
            CaptureSpec("http://example.com/privacy", "20100101000000", body=b"v1"),
            CaptureSpec("http://example.com/privacy", "20110101000000", body=b"v2"),
        ],
        tmp_path / "warcs" / "site.warc.gz",
    )


def test_serve_prints_a_base_url_that_answers_cdx(serve, warc: Path) -> None:
    served = serve(str(warc.parent), "--port", "0")
    assert served.base_url.startswith("http://127.0.0.1:")
    assert not served.base_url.endswith(":0")
    url = f"{served.base_url}/cdx/search/cdx?url=example.com/privacy"
    with urllib.request.urlopen(url, timeout=10) as response:
        rows, _ = parse_cdx_text(response.read().decode())
    assert [row.timestamp for row in rows] == ["20100101000000", "20110101000000"]
    replay = f"{served.base_url}/web/20110101000000id_/http://example.com/privacy"
    with urllib.request.urlopen(replay, timeout=10) as response:
        assert response.read() == b"v2"


def test_serve_stops_cleanly_on_interrupt(serve, warc: Path) -> None:
    served = serve(str(warc), "--port", "0", "--index", "index.sqlite3")
    served.process.send_signal(signal.SIGINT)
    _, stderr = served.process.communicate(timeout=20)
    assert "Traceback" not in stderr
    assert "2 captures (1 file(s) indexed now)" in stderr
    assert served.process.returncode in (0, 130)


def test_serve_logs_each_request_and_counts_them_at_exit(serve, warc: Path, tmp_path) -> None:
    log = tmp_path / "access.log"
    served = serve(str(warc.parent), "--port", "0", "--access-log", str(log))
    for path in (
        "/cdx/search/cdx?url=example.com/privacy",
        "/web/20110101000000id_/http://example.com/privacy",
        "/web/20100101000000id_/http://example.com/privacy",
    ):
        with urllib.request.urlopen(served.base_url + path, timeout=10) as response:
            response.read()
    served.process.send_signal(signal.SIGTERM)
    _, stderr = served.process.communicate(timeout=20)
    assert "Traceback" not in stderr
    assert "requests: cdx 1, replay 2, available 0; faults: none" in stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert '"GET /cdx/search/cdx?url=example.com/privacy HTTP/1.1" 200' in lines[0]
    started = [float(line.split()[0]) for line in lines]
    assert started == sorted(started) and abs(started[0] - time.time()) < 60
    assert re.search(
        r'"GET /web/20100101000000id_/http://example\.com/privacy HTTP/1\.1" 200 \d+ [\d.]+$',
        lines[2],
    )


def test_serve_counts_the_faults_it_sent(serve, warc: Path) -> None:
    served = serve(str(warc.parent), "--port", "0", "--error-rate", "1", "--seed", "1")
    url = f"{served.base_url}/cdx/search/cdx?url=example.com/privacy"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=10)
    served.process.send_signal(signal.SIGTERM)
    _, stderr = served.process.communicate(timeout=20)
    assert "requests: cdx 1, replay 0, available 0; faults: server_error 1" in stderr


def test_serve_with_an_access_log_it_cannot_write_fails_in_one_line(tmp_path, env, warc) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "archive", "serve", str(warc), "--port", "0",
         "--access-log", str(tmp_path / "no" / "such" / "folder" / "access.log")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "cannot write the access log" in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_serve_started_in_the_background_stops_cleanly(warc: Path, tmp_path, env, stop) -> None:
    # A shell starts background jobs with SIGINT ignored, and children inherit that.
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "archive", "serve", str(warc), "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert first_line(process, STARTUP_SECONDS).startswith("http://127.0.0.1:")
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in stderr and "2 captures" in stderr
    assert process.returncode == 0


def test_serve_reuses_its_index(serve, warc: Path, tmp_path: Path) -> None:
    first = serve(str(warc), "--index", "index.sqlite3")
    first.process.send_signal(signal.SIGINT)
    first.process.communicate(timeout=20)
    second = serve(str(warc), "--index", "index.sqlite3")
    second.process.send_signal(signal.SIGINT)
    _, stderr = second.process.communicate(timeout=20)
    assert "2 captures (0 file(s) indexed now)" in stderr
    assert (tmp_path / "index.sqlite3").is_file()


def test_serve_refuses_an_index_of_other_folders_in_one_line(serve, tmp_path, env) -> None:
    write_warc(
        [CaptureSpec("http://a.example/", "20100101000000", body=b"a")],
        tmp_path / "a" / "a.warc.gz",
    )
    write_warc(
        [CaptureSpec("http://b.example/", "20100101000000", body=b"b")],
        tmp_path / "b" / "b.warc.gz",
    )
    first = serve("a", "--index", "shared.sqlite3")
    result = run("archive", "serve", "b", "--index", "shared.sqlite3", cwd=tmp_path, env=env)
    line = assert_one_line_error(result, "policytrail: error: ", "shared.sqlite3")
    assert str((tmp_path / "a").resolve()) in line and str((tmp_path / "b").resolve()) in line
    assert result.stdout == ""
    # The first server still serves its own collection, and only it.
    url = f"{first.base_url}/cdx/search/cdx?url=a.example/"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert len(parse_cdx_text(response.read().decode())[0]) == 1
    url = f"{first.base_url}/cdx/search/cdx?url=b.example/"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert parse_cdx_text(response.read().decode())[0] == []


def test_serve_passes_its_options_to_the_archive(serve, warc: Path) -> None:
    served = serve(str(warc), "--resume-keys", "legacy", "--exclude", "example.org")
    url = f"{served.base_url}/cdx/search/cdx?url=example.com/privacy&limit=1&showResumeKey=true"
    with urllib.request.urlopen(url, timeout=10) as response:
        _, resume_key = parse_cdx_text(response.read().decode())
    assert resume_key == "com%2Cexample%29%2Fprivacy+20100101000001"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{served.base_url}/cdx/search/cdx?url=example.org/", timeout=10)
    assert caught.value.code == 403


def test_serve_with_a_malformed_exclusion_fails_in_one_line(tmp_path, env, warc) -> None:
    result = run("archive", "serve", str(warc), "--exclude", "http://[::1/p", cwd=tmp_path, env=env)
    assert_one_line_error(result, "policytrail: error: ", "http://[::1/p")


def test_serve_of_a_missing_path_fails_in_one_line(tmp_path: Path, env) -> None:
    result = run("archive", "serve", "no-such-folder", "--port", "0", cwd=tmp_path, env=env)
    assert result.returncode == 2  # could not start
    assert_one_line_error(result, "policytrail: error: ", "no-such-folder", "no such file")
    assert result.stdout == ""


def test_serve_of_a_folder_without_warcs_fails_in_one_line(tmp_path: Path, env) -> None:
    (tmp_path / "empty").mkdir()
    result = run("archive", "serve", "empty", cwd=tmp_path, env=env)
    assert_one_line_error(result, "no WARC files in empty")


def test_serve_of_a_file_that_is_no_warc_fails_in_one_line(tmp_path: Path, env) -> None:
    (tmp_path / "page.warc").write_text("<!doctype html><p>hello</p>\n", encoding="utf-8")
    result = run("archive", "serve", "page.warc", cwd=tmp_path, env=env)
    assert_one_line_error(result, "page.warc: cannot read as WARC")


def test_serve_with_impossible_fault_rates_fails_in_one_line(tmp_path, env, warc) -> None:
    result = run(
        "archive",
        "serve",
        str(warc),
        "--error-rate",
        "0.6",
        "--reset-rate",
        "0.6",
        cwd=tmp_path,
        env=env,
    )
    assert_one_line_error(result, "add up to at most 1")


def test_serve_on_a_port_in_use_fails_in_one_line(tmp_path, env, warc) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("archive", "serve", str(warc), "--port", str(port), cwd=tmp_path, env=env)
    assert result.returncode == 2  # could not start
    assert "Traceback" not in result.stderr
    # The index is read before the port is tried: its report comes first, then the error.
    report, error = result.stderr.strip().splitlines()
    assert report.startswith("policytrail archive: 2 captures")
    assert error.startswith(f"policytrail: error: cannot listen on 127.0.0.1:{port}: ")
    assert result.stdout == ""


# ---- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [(), ("archive",), ("archive", "serve"), ("archive", "build")],
)
def test_every_archive_command_has_an_example_in_its_help(tmp_path, env, command) -> None:
    result = run(*command, "--help", cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert "Example" in result.stdout
    assert "policytrail archive" in result.stdout.split("Example", 1)[1]
