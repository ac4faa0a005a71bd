"""The layout's promises: libraries apart from Dagster, no side effects at import, private APIs in compat."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "orchestration"


def _imported_modules(code: str) -> str:
    """Run `code` in a fresh interpreter; return what it printed (JSON)."""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", ["orchestration.arabic_nlp.extractor", "orchestration.inbox"])
def test_the_language_and_inbox_packages_import_no_dagster_dbt_or_duckdb(package):
    loaded = _imported_modules(
        f"import json, sys, {package}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    assert not {"dagster", "dagster_dbt", "dbt", "duckdb"} & set(loaded)


def test_importing_the_modules_changes_no_environment_variable_and_no_path():
    modules = sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts)
        for p in PACKAGE.rglob("*.py")
        if p.name != "__main__.py"
        and p.relative_to(PACKAGE).parts[0] not in ("cli",)
        and p.name != "definitions.py"
        and "definitions" not in p.parts
    )
    code = (
        "import json, os, sys, importlib; env = dict(os.environ); path = list(sys.path); "
        f"[importlib.import_module(m) for m in {modules!r}]; "
        "print(json.dumps({'env': {k: v for k, v in os.environ.items() if env.get(k) != v}, "
        "'path_changed': sys.path != path}))"
    )
    changed = _imported_modules(code)
    assert changed == {"env": {}, "path_changed": False}


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        parts = node.module.split(".") if isinstance(node, ast.ImportFrom) and node.module else []
        if parts and parts[0] in ("dagster", "dagster_dbt") and any(p.startswith("_") for p in parts):
            found.append(f"from {node.module} import")
        if isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if a.name.split(".")[0] in ("dagster", "dagster_dbt") and "._" in a.name
            ]
        if isinstance(node, ast.Attribute) and node.attr in (
            "event_log_storage",
            "telemetry_enabled",
            "_initialize_dbt_core_adapter",
            "_cli_version",
        ):
            found.append(node.attr)
    return found


def test_every_private_dagster_api_use_is_in_compat():
    offenders = {
        str(p.relative_to(REPO)): uses
        for p in PACKAGE.rglob("*.py")
        if p.name != "compat.py" and (uses := _private_uses(p))
    }
    assert offenders == {}
    assert _private_uses(PACKAGE / "compat.py")  # the check itself sees them where they are


def test_defs_holds_only_definitions_and_the_libraries_no_dagster():
    for library in ("arabic_nlp", "inbox", "warehouse", "stages", "utils", "collect", "brief", "quality"):
        for p in (PACKAGE / library).rglob("*.py"):
            tree = ast.parse(p.read_text(encoding="utf-8"))
            names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert not names & {"dagster", "dagster_dbt"}, p


def test_no_module_over_400_lines_without_a_reason_at_its_top():
    long = {}
    for p in PACKAGE.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        if text.count("\n") > 420:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Why one module of this size" not in doc:
                long[str(p.relative_to(REPO))] = text.count("\n")
    assert long == {}
