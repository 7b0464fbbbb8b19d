"""Rules about the code base itself, checked like behaviour (R-01, R-16)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask

from reflectie.permissions import RULES

PACKAGE = Path(__file__).resolve().parent.parent / "reflectie"


def test_every_endpoint_declares_an_access_rule(app: Flask):
    """R-01: every URL rule is classified as public, member, admin or scoped."""
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "access_rule", None) not in RULES
    ]
    assert missing == [], (
        f"add a route rule (reflectie/permissions.py, reflectie/api.py) to: {missing}"
    )


def test_object_scoped_endpoints_name_their_object_kind(app: Flask):
    unnamed = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "access_rule", None) == "scoped" and not getattr(view, "object_kind", None)
    ]
    assert unnamed == []


def test_the_route_census_is_complete():
    """Adding a route without a rule fails the census above: prove the check bites."""
    from reflectie import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})

    @app.get("/unclassified")
    def unclassified():
        return "x"

    missing = [
        e for e, v in app.view_functions.items() if e != "static" and not hasattr(v, "access_rule")
    ]
    assert missing == ["unclassified"]


def test_safe_methods_only_on_public_get_routes(app: Flask):
    """GET routes change nothing: every state-changing route accepts only POST."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith(("logout", "logout_everywhere", "revoke_token", "end_sessions")):
            assert "GET" not in (rule.methods or set()), rule.rule


def _python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_string_templates_and_markup_only_on_sanitised_or_own_output():
    """R-16: no template made from a string; Markup only around sanitised or own output."""
    offenders = []
    for path in _python_files():
        source = path.read_text()
        if "render_template_string" in source:
            offenders.append(f"{path.name}: render_template_string")
        for line in source.splitlines():
            if re.search(r"\bMarkup\((?!\"\"\)|sanitise\(|buffer\.getvalue|snippet\))", line):
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


# Modules allowed to build Case queries: the access module itself (and later the search indexer).
CASE_LOADERS = {  # search: indexing without a user; erasure: a beheerder sees no case text
    "cases/access.py",
    "cases/search.py",
    "cases/erasure.py",
}
CASE_QUERY = re.compile(r"select\(\s*Case\b|session\.get\(\s*Case\b|query\(\s*Case\b")


def test_case_rows_are_loaded_only_through_access_functions():
    offenders = sorted(
        str(path.relative_to(PACKAGE))
        for path in _python_files()
        if str(path.relative_to(PACKAGE)) not in CASE_LOADERS
        and CASE_QUERY.search(path.read_text())
    )
    assert offenders == [], f"use reflectie.cases.access instead of querying Case in: {offenders}"


def test_plumbing_imports_no_feature_package():
    """reflectie/*.py stays below the features (STYLE.md §4.2); the named modules register them."""
    features = {"accounts", "cases", "admin", "audit"}
    allowed = {"__init__.py", "cli.py", "extensions.py", "demo.py", "main.py", "api.py"}
    offenders = []
    for path in PACKAGE.glob("*.py"):
        if path.name in allowed:
            continue
        tree = ast.parse(path.read_text())
        type_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "reflectie" and len(parts) > 1 and parts[1] in features:
                    offenders.append(f"{path.name}: {node.module}")
    assert offenders == []


def test_services_read_no_request_globals():
    offenders = []
    for path in PACKAGE.rglob("services.py"):
        source = path.read_text()
        for name in ("current_user", "flash(", "from flask import request", "session["):
            if name in source:
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_no_bulk_update_or_delete_on_versioned_cases():
    """version_id_col guards ORM flushes only; a bulk UPDATE would bypass the conflict check
    (SQLAlchemy's versioning docs; R-30)."""
    bulk = re.compile(r"\b(update|delete)\(\s*Case\b")
    offenders = [str(p.relative_to(PACKAGE)) for p in _python_files() if bulk.search(p.read_text())]
    assert offenders == []
