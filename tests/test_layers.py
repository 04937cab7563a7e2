"""Data flows one way: HTTP layer (srtmedia.api) -> task layer (srtmedia.tasks) -> pipeline."""
import ast
import pathlib

from rq.utils import import_attribute

import srtmedia

ROOT = pathlib.Path(srtmedia.__file__).parent
# What the layers share: settings objects, logging, the version.
SHARED = {"__version__", "config", "logs", "settings"}


def imported_modules(path):
    """The names under srtmedia (its first level) that a file imports, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("srtmedia"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("srtmedia.")}
    return found


def imports_of(package):
    """{file under the package: the srtmedia names it imports}."""
    return {str(path.relative_to(ROOT)): imported_modules(path) for path in (ROOT / package).rglob("*.py")}


def test_the_task_layer_imports_nothing_from_the_http_layer():
    wrong = {name: sorted(found - SHARED - {"tasks", "pipeline"}) for name, found in imports_of("tasks").items()}
    assert {name: hits for name, hits in wrong.items() if hits} == {}


def test_the_pipeline_imports_neither_the_http_nor_the_task_layer():
    wrong = {name: sorted(found - SHARED - {"pipeline"}) for name, found in imports_of("pipeline").items()}
    assert {name: hits for name, hits in wrong.items() if hits} == {}


def test_the_top_level_holds_only_the_layers_and_what_starts_them():
    top = {path.stem for path in ROOT.glob("*.py")} | {path.name for path in ROOT.iterdir()
                                                        if (path / "__init__.py").exists()}
    assert top == {"__init__", "app", "cli", "serve", "localredis", "config", "settings", "logs",
                   "api", "tasks", "pipeline"}


def test_jobs_queued_under_the_old_module_names_still_resolve():
    from srtmedia.tasks.delivery import deliver
    from srtmedia.tasks.job import process_task

    assert import_attribute("srtmedia.tasks.process_task") is process_task
    assert import_attribute("srtmedia.delivery.deliver") is deliver
