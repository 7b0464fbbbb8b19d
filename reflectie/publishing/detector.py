"""The detector process, and the app's client for it.

deduce needs ~10 s to start and ~1.1 GB of memory (../shared/dependencies.md §8.1), so it never
loads in a web worker: one long-lived process (`reflectie publishing detector`, started by
`reflectie serve`) holds it and answers over a socket. Protocol: one JSON object per line.

    -> {"text": "..."}
    <- {"findings": [{"start", "end", "kind", "text"}], "engine": "deduce"}
    -> {"ping": true}
    <- {"ok": true, "engine": "deduce", "pid": 1234}

The address is a Unix socket path (default instance/detector.sock) or `host:port`. When the
process does not answer, the client falls back to our own patterns and says so, so the page can
show a notice.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflectie.publishing.detection import Finding, deduce_kind, merge, pattern_findings

log = logging.getLogger(__name__)

MAX_TEXT = 200_000  # characters per request; a whole case is far less
MAX_LINE = MAX_TEXT * 6 + 1024  # JSON-escaped text stays below this


# --- the server (runs in its own process)


class Engine:
    """deduce plus our patterns; or our patterns alone when deduce is not installed."""

    def __init__(self, use_deduce: bool = True) -> None:
        self._lock = threading.Lock()
        self._deduce: Any = None
        self.name = "patterns"
        if use_deduce:
            try:
                from deduce import Deduce  # only ever in the detector process
            except ImportError:
                log.warning("deduce is not installed: the detector uses its own patterns only")
            else:
                self._deduce = Deduce()
                self.name = "deduce"

    def detect(self, text: str) -> list[Finding]:
        found = pattern_findings(text)
        if self._deduce is not None and text.strip():
            with self._lock:  # one document at a time through deduce's pipeline
                doc = self._deduce.deidentify(text)
            found += [
                # deduce may give numpy integers: plain ints for JSON
                Finding(int(a.start_char), int(a.end_char), deduce_kind(a.tag, a.text), a.text)
                for a in doc.annotations
            ]
        return merge(found)


def _answer(engine: Engine, line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError:
        return {"error": "bad_json"}
    if not isinstance(request, dict):
        return {"error": "bad_json"}
    if request.get("ping"):
        return {"ok": True, "engine": engine.name, "pid": os.getpid()}
    text = request.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return {"error": "bad_text"}
    return {"findings": [f.as_dict() for f in engine.detect(text)], "engine": engine.name}


def _handler(engine: Engine) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        timeout = 30

        def handle(self) -> None:
            while True:
                line = self.rfile.readline(MAX_LINE)
                if not line:
                    return
                try:
                    reply = _answer(engine, line)
                except Exception:  # one bad document must not stop the detector
                    log.exception("detector: request failed")
                    reply = {"error": "internal"}
                self.wfile.write(json.dumps(reply).encode() + b"\n")
                self.wfile.flush()

    return Handler


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _split(address: str) -> tuple[str, int] | None:
    if "/" in address:
        return None
    host, _, port = address.rpartition(":")
    return host or "127.0.0.1", int(port)


def _watch_parent(parent: int, server: socketserver.BaseServer) -> None:
    """Stop serving when the parent (gunicorn's master) is gone: we are then re-parented."""
    while os.getppid() == parent:
        time.sleep(1.0)
    log.warning("detector: parent %s ended, stopping", parent)
    server.shutdown()


def serve(
    address: str,
    *,
    use_deduce: bool = True,
    ready: Callable[[], None] | None = None,
    parent: int | None = None,
) -> None:
    """Load the engine, then listen until killed. The socket exists only once deduce is loaded,
    so until then clients simply use the fallback."""
    if _ping(address, timeout=0.5) is not None:
        raise SystemExit(f"a detector already answers on {address}")
    engine = Engine(use_deduce=use_deduce)
    tcp = _split(address)
    server: socketserver.BaseServer
    if tcp is None:
        path = Path(address)
        with suppress(FileNotFoundError):
            path.unlink()  # a socket left by a process that died
        server = _UnixServer(str(path), _handler(engine))
        path.chmod(0o600)  # only the app's own user talks to it
    else:
        server = _TcpServer(tcp, _handler(engine))
    log.warning("detector (%s) listening on %s", engine.name, address)
    if parent:
        threading.Thread(target=_watch_parent, args=(parent, server), daemon=True).start()
    if ready:
        ready()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if tcp is None:
            with suppress(FileNotFoundError):
                Path(address).unlink()


# --- the client (in the web workers)


@dataclass
class Detection:
    findings: list[Finding]
    engine: str  # "deduce", "patterns" (detector without deduce) or "fallback"

    @property
    def fallback(self) -> bool:
        return self.engine == "fallback"


def _connect(address: str, timeout: float) -> socket.socket:
    tcp = _split(address)
    if tcp is None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError:
            sock.close()
            raise
        return sock
    return socket.create_connection(tcp, timeout=timeout)


def _ask(address: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    with _connect(address, timeout) as sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("rb") as reader:
            line = reader.readline(MAX_LINE * 2)
    reply = json.loads(line)
    if not isinstance(reply, dict) or "error" in reply:
        raise OSError(f"detector refused: {reply!r}"[:200])
    return reply


def _ping(address: str, timeout: float = 1.0) -> dict[str, Any] | None:
    try:
        return _ask(address, {"ping": True}, timeout)
    except (OSError, ValueError):
        return None


def detect(text: str, *, address: str, timeout: float = 2.0) -> Detection:
    """Findings from the detector process; our own patterns when it does not answer."""
    try:
        reply = _ask(address, {"text": text}, timeout)
        findings = [
            Finding(int(f["start"]), int(f["end"]), str(f["kind"]), str(f["text"]))
            for f in reply["findings"]
        ]
        return Detection(findings, str(reply.get("engine", "patterns")))
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.info("detector not available (%s): using the built-in patterns", err)
        return Detection(pattern_findings(text), "fallback")


def status(address: str) -> dict[str, Any] | None:
    """The detector's ping answer, or None when it is not running."""
    return _ping(address)
