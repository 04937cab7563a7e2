"""Data flows one way: HTTP layer -> task layer -> pipeline; nothing imports back up."""
import ast
import pathlib

import srtmedia

ROOT = pathlib.Path(srtmedia.__file__).parent
HTTP = {"app", "auth", "blueprints", "errors", "links", "openapi", "ops", "results", "schemas", "sniff",
        "submission", "uploads"}
TASK = {"config", "delivery", "folders", "ids", "metrics", "queue", "quotas", "reaper", "settings", "status",
        "store", "tasks", "webhooks", "worker"}


def imported_modules(path):
    """The srtmedia submodules (first name under srtmedia) that a file imports, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("srtmedia"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("srtmedia.")}
    return found


def test_the_task_layer_imports_nothing_from_the_http_layer():
    wrong = {name: sorted(imported_modules(ROOT / f"{name}.py") & HTTP) for name in TASK}
    assert {name: hits for name, hits in wrong.items() if hits} == {}


def test_the_pipeline_imports_neither_the_http_nor_the_task_layer():
    wrong = {str(path.relative_to(ROOT)): sorted(imported_modules(path) & (HTTP | TASK - {"settings"}))
             for path in (ROOT / "pipeline").rglob("*.py")}
    assert {name: hits for name, hits in wrong.items() if hits} == {}


def test_every_top_level_module_is_placed_in_a_layer():
    modules = {path.stem for path in ROOT.glob("*.py")} | {"blueprints"}
    assert modules - HTTP - TASK == {"__init__", "cli", "localredis", "logs", "serve"}
