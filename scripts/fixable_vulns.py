"""Read `pip-audit --format json` from stdin; fail when a vulnerability has a fixed version.

Vulnerabilities without a fix are listed as warnings (nothing to upgrade to yet).
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    report = json.load(sys.stdin)
    fixable, unfixed = [], []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            line = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixed.append(line)
    for line in unfixed:
        print(f"warning, no fix yet: {line}")  # noqa: T201 - a command-line report
    for line in fixable:
        print(f"VULNERABLE: {line}")  # noqa: T201
    checked = len(report.get("dependencies", []))
    print(f"{checked} packages checked, {len(fixable)} with a fix to install")  # noqa: T201
    return 1 if fixable else 0


if __name__ == "__main__":
    sys.exit(main())
