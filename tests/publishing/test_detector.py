"""The detector process: its protocol, deduce in its own process, and the web fallback."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from reflectie.publishing import detector
from tests.conftest import require

CLI = [sys.executable, "-c", "from reflectie.cli import main; main()"]
TEXT = "Mevrouw Fatima el Amrani (BSN 123456782) belde op 06-12345678 vanuit Utrecht."


@pytest.fixture
def address():
    # Unix socket paths are limited to ~100 characters: keep it short.
    short = Path(tempfile.gettempdir()) / f"rfl-{os.getpid()}-{time.monotonic_ns() % 10**6}.sock"
    yield str(short)
    short.unlink(missing_ok=True)


def _serve_in_thread(address: str) -> None:
    ready = threading.Event()
    thread = threading.Thread(
        target=detector.serve,
        args=(address,),
        kwargs={"use_deduce": False, "ready": ready.set},
        daemon=True,
    )
    thread.start()
    assert ready.wait(5)


def test_round_trip_over_a_unix_socket(address):
    _serve_in_thread(address)
    result = detector.detect(TEXT, address=address)
    assert result.engine == "patterns"
    assert not result.fallback
    assert {(f.kind, f.text) for f in result.findings} >= {
        ("bsn", "123456782"),
        ("telefoon", "06-12345678"),
        ("plaats", "Utrecht"),
    }
    assert detector.status(address)["engine"] == "patterns"


def test_a_second_detector_on_the_same_address_refuses(address):
    _serve_in_thread(address)
    with pytest.raises(SystemExit):
        detector.serve(address, use_deduce=False)


def test_bad_requests_get_an_error_not_a_crash(address):
    _serve_in_thread(address)
    with pytest.raises(OSError, match="refused"):
        detector._ask(address, {"text": 12}, 2.0)
    assert detector.detect("Jan Bakker", address=address).engine == "patterns"


def test_no_detector_means_the_built_in_patterns_and_says_so(tmp_path):
    result = detector.detect(TEXT, address=str(tmp_path / "none.sock"), timeout=0.5)
    assert result.fallback
    assert ("bsn", "123456782") in {(f.kind, f.text) for f in result.findings}
    assert detector.status(str(tmp_path / "none.sock")) is None


def test_the_web_app_never_loads_deduce():
    """Creating the app and detecting without a detector keeps deduce out of the process."""
    code = (
        "import sys\n"
        "from reflectie import create_app\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'x', 'DATABASE_URL': 'sqlite://'})\n"
        "with app.app_context():\n"
        "    from reflectie.publishing.services import detect_text\n"
        "    print(detect_text('Jan Bakker uit Zwolle').engine)\n"
        "print('deduce' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["fallback", "False"]


def test_deduce_runs_in_the_detector_process(address, tmp_path):
    """The real thing: `reflectie publishing detector` with deduce, asked over its socket."""
    require(importlib.util.find_spec("deduce") is not None, "deduce is not installed")
    env = {**os.environ, "REFLECTIE_INSTANCE_PATH": str(tmp_path)}
    process = subprocess.Popen(
        [*CLI, "publishing", "detector", "--address", address, "--parent", str(os.getpid())],
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while detector.status(address) is None:
            assert process.poll() is None, "the detector process ended"
            assert time.monotonic() < deadline, "the detector did not start"
            time.sleep(0.2)
        result = detector.detect(
            "Op 3 maart belde Pieter de Vries uit Bunnik over zijn moeder.", address=address
        )
        assert result.engine == "deduce"
        found = {(f.kind, f.text) for f in result.findings}
        assert ("naam", "Pieter de Vries") in found
        assert ("plaats", "Bunnik") in found  # not in our own list: deduce found it
    finally:
        process.terminate()
        process.wait(10)
