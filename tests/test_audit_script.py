"""`make audit` fails on a known vulnerability that has a fixed release, and only then (issue 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "fixable_vulns.py"


def audit(*dependencies: dict) -> subprocess.CompletedProcess[str]:
    report = json.dumps({"dependencies": list(dependencies), "fixes": []})
    return subprocess.run(
        [sys.executable, str(SCRIPT)], input=report, capture_output=True, text=True, check=False
    )


def package(name: str, *vulns: dict) -> dict:
    return {"name": name, "version": "1.0", "vulns": list(vulns)}


def test_a_vulnerability_with_a_fix_fails_the_audit() -> None:
    done = audit(
        package("flask"),
        package("jinja2", {"id": "GHSA-xxxx", "fix_versions": ["3.1.6"], "description": ""}),
    )
    assert done.returncode == 1
    assert "VULNERABLE: jinja2 1.0: GHSA-xxxx (fixed in 3.1.6)" in done.stdout
    assert "2 packages checked, 1 with a fix to install" in done.stdout


def test_a_vulnerability_without_a_fix_is_a_warning_only() -> None:
    done = audit(package("whoosh3", {"id": "PYSEC-1", "fix_versions": [], "description": ""}))
    assert done.returncode == 0
    assert "warning, no fix yet: whoosh3 1.0: PYSEC-1" in done.stdout
    assert "1 packages checked, 0 with a fix to install" in done.stdout


def test_a_clean_report_passes() -> None:
    done = audit(package("flask"), package("sqlalchemy"))
    assert done.returncode == 0
    assert "VULNERABLE" not in done.stdout
