"""The house rules: imports run api → bot → db → matching, and matching is pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("matching", "db", "bot", "api")
# who may import whom (besides itself)
ALLOWED = {
    "matching": set(),
    "db": {"matching"},
    "bot": {"db", "matching"},
    "api": {"bot", "db", "matching"},
}
FOREIGN_BANNED = {
    "matching": {
        "telegram",
        "fastapi",
        "sqlmodel",
        "sqlalchemy",
        "alembic",
        "starlette",
        "uvicorn",
        "httpx",
        "requests",
        "socket",
        "sqlite3",
        "psycopg",
        "os",
        "pathlib",
        "subprocess",
        "shutil",
        "io",
        "tempfile",
        "time",
        "random",
        "pydantic_settings",
        "logging",
        "redis",
        "asyncio",
    },
    "db": {"telegram", "fastapi", "starlette"},
}
# the calls that read a clock, the environment, or a file
IMPURE_CALLS = {
    "now",
    "utcnow",
    "today",
    "time",
    "open",
    "getenv",
    "read_text",
    "read_bytes",
    "monotonic",
    "perf_counter",
}
# the one place matching reads anything: its own bundled sample catalog, like a constant
PURITY_EXCEPTIONS = {Path("matching/data/__init__.py")}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path, source: str | None = None) -> set[str]:
    """Top-level packages a module imports; a relative import that climbs to the top counts."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    own = path.relative_to(ROOT).parts[0]
    depth = len(path.relative_to(ROOT).parts) - 1  # package levels above the module
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level > depth and node.module:
            names.add(node.module.split(".")[0])  # climbed out of the package
        elif isinstance(node, ast.ImportFrom):
            names.add(own)
    return names


def impurities(source: str) -> list[str]:
    """Calls that read a clock, the environment or a file, and reads of os.environ."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in IMPURE_CALLS:
                found.append(f"{node.lineno}: {name}()")
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(f"{node.lineno}: environ")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_run_one_way(package: str) -> None:
    for path in _modules(package):
        ours = _imports(path) & set(PACKAGES) - {package}
        assert ours <= ALLOWED[package], f"{path.relative_to(ROOT)} imports {ours}"
        banned = _imports(path) & FOREIGN_BANNED.get(package, set())
        assert not banned, f"{path.relative_to(ROOT)} imports {banned}"


STORAGE_FREE = ("bot/world.py", "bot/engine.py")
"""The conversation's world and engine, with every module of `bot` they import: they run on any
`World` (the tests' runs in memory), so none of them imports storage."""


def _bot_modules_reached(start: str) -> set[Path]:
    """`start` and the modules of `bot` it imports, directly or through each other."""
    seen: set[Path] = set()
    todo = [ROOT / start]
    while todo:
        path = todo.pop()
        if path in seen or not path.exists():
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            todo += [ROOT / (n.replace(".", "/") + ".py") for n in names if n.startswith("bot.")]
    return seen


@pytest.mark.parametrize("start", STORAGE_FREE)
def test_the_conversation_engine_imports_no_storage(start: str) -> None:
    reached = _bot_modules_reached(start)
    assert ROOT / "bot/world.py" in reached
    for path in reached:
        assert "db" not in _imports(path), f"{path.relative_to(ROOT)} imports db"


def test_matching_reads_no_clock_no_environment_and_no_files() -> None:
    for path in _modules("matching"):
        if path.relative_to(ROOT) in PURITY_EXCEPTIONS:
            continue
        assert impurities(path.read_text(encoding="utf-8")) == [], path.relative_to(ROOT)


def test_matching_dataclasses_are_frozen() -> None:
    for path in _modules("matching"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "dataclass":
                    frozen = {k.arg: k.value for k in deco.keywords}.get("frozen")
                    assert isinstance(frozen, ast.Constant) and frozen.value is True, (
                        f"{path.relative_to(ROOT)}: {node.name} is not frozen"
                    )
                elif getattr(deco, "id", "") == "dataclass":
                    pytest.fail(f"{path.relative_to(ROOT)}: {node.name} is not frozen")


def test_the_checker_catches_a_clock_an_environment_and_a_file_read() -> None:
    source = (
        "import datetime, os\n"
        "a = datetime.datetime.now()\n"
        "b = os.environ['X']\n"
        "c = open('f').read()\n"
    )
    assert [f.split(": ")[1] for f in impurities(source)] == ["now()", "environ", "open()"]


def test_the_checker_sees_a_relative_import_that_climbs_out() -> None:
    probe = ROOT / "matching" / "probe.py"  # never written: only its place in the tree matters
    assert _imports(probe, "from ..db import x\nfrom . import rules\n") == {"db", "matching"}
