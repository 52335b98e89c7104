"""How the local archive misbehaves on purpose: connections reset, bodies cut or truncated or
sent slowly, CDX answers with broken rows, as real archives and the networks before them do."""

from __future__ import annotations

import asyncio
import json
import socket
import struct

from aiohttp import web

from crawler.archive.faults import Fault

# A slow body is sent in this many pieces, spread over the fault's slow_seconds.
SLOW_CHUNKS = 10


def reset(request: web.Request) -> None:
    """Drop the connection with a TCP reset, as a firewall or an overloaded proxy does."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


# Rows as a broken CDX shard gives them: too few fields, a timestamp that is no date, no URL.
BROKEN_ROWS = (
    ["org,example)/"],
    ["org,example)/", "2010130199", "http://example.org/", "text/html", "200", "X", "1"],
    ["org,example)/", "20100101000000", "not a url", "text/html", "200", "X", "1"],
)


def malformed(response: web.Response) -> web.Response:
    """The answer with broken rows among its good ones (JSON) or lines (text)."""
    body = response.body.decode("utf-8") if isinstance(response.body, bytes) else ""
    if body.lstrip().startswith("["):
        table = json.loads(body)
        if table:
            table[1:1] = [list(row) for row in BROKEN_ROWS]
        text = json.dumps(table)
    else:
        text = "".join(" ".join(row) + "\n" for row in BROKEN_ROWS) + body
    return web.Response(
        status=response.status,
        body=text.encode("utf-8"),
        headers={"Content-Type": response.content_type},
    )


def cut(request: web.Request, response: web.Response) -> None:
    """Half the body, with no Content-Length and no chunking, then the connection closes: as an
    HTTP/1.0-style answer ends, so the client cannot tell it from a whole one."""
    transport = request.transport
    if transport is None:
        return
    body = response.body if isinstance(response.body, bytes) else b""
    head = [f"HTTP/1.1 {response.status} {response.reason}"]
    head += [
        f"{name}: {value}"
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "transfer-encoding", "connection")
    ]
    head.append("Connection: close")
    transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body[: len(body) // 2])
    transport.close()


async def stream(
    request: web.Request, response: web.Response, fault: Fault, slow_seconds: float
) -> web.StreamResponse:
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, reason=response.reason)
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "transfer-encoding"):
            stream.headers.add(name, value)
    stream.content_length = len(body)
    await stream.prepare(request)
    if fault is Fault.TRUNCATED:
        # Half the promised bytes, then an orderly close: the client sees a short body.
        await stream.write(body[: len(body) // 2])
        if request.transport is not None:
            request.transport.close()
        raise asyncio.CancelledError
    step = max(1, -(-len(body) // SLOW_CHUNKS))
    for start in range(0, len(body), step):
        await stream.write(body[start : start + step])
        await asyncio.sleep(slow_seconds / SLOW_CHUNKS)
    await stream.write_eof()
    return stream
