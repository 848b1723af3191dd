"""The tree keeps its architecture: imports point one way, modules and classes stay small.

The rooms and their order are those of ARCHITECTURE.md. Each rule is a function that finds the
breaches in a map of modules; the tests run them on the real tree and on a made-up breach, so a
rule that cannot fail fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "core", "items", "catalog_cache")
BACKENDS = ("items.repository.postgres", "items.repository.mongo")
MODULE_MAX_LINES = 300
CLASS_MAX_LINES = 120
ITEMS_MAX_MODULES = 10

# Each room with its floor: a room may import only rooms on lower floors (and itself).
ROOMS = {
    "core.embedded": 0,  # the embedded PostgreSQL and Redis
    "core.database": 0,  # Django's PostgreSQL backend with a cheaper pool check
    "core.http": 0,  # what every endpoint shares
    "core.observability": 1,  # health, metrics, monitoring: the rooms above lend it their parts
    "core": 1,  # the ground floor's charter
    "config.settings": 2,  # imports no app code (apps are named by dotted path)
    "items": 2,  # the domain: models, rules, conditions, records, ids, signals, migrations
    "items.repository": 3,  # the Protocol, the factory, and the backends
    # The cache: one room per concept over a shared Redis core.
    "catalog_cache.redis_core": 4.0,  # the guard, shared keys and Lua, version counters
    "catalog_cache.scopes": 4.1,  # who may read an entry
    "catalog_cache.rates": 4.2,  # throttles counted in Redis
    "catalog_cache.sign_ins": 4.3,  # token holders
    "catalog_cache.positions": 4.3,  # read positions (replicas)
    "catalog_cache.responses": 4.5,  # cached responses
    "catalog_cache.observed": 4.6,  # what the cache lends observability
    "catalog_cache": 4.7,  # its charter, start-up wiring and commands
    "items.api": 5,
    "items.operations": 5,
    "items.admin": 6,  # Django's entry points into the app: they wire the rooms together
    "items.apps": 6,
    "items.management": 6,
    "config": 7,  # urls, wsgi, asgi, gunicorn: the process's wiring (the composition root)
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> dict[str, Path]:
    """Every module of the apps and config, migrations aside, by dotted name."""
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported(tree: ast.AST, known: set[str]) -> set[str]:
    """Project modules a module imports, at its top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in known else node.module)
    return {name for name in names if name.split(".")[0] in PACKAGES}


def import_graph() -> dict[str, set[str]]:
    files = source_files()
    known = set(files)
    return {name: imported(ast.parse(path.read_text()), known) for name, path in files.items()}


def room_of(module: str) -> str:
    """The most specific room whose name is the module or one of its packages."""
    rooms = [room for room in ROOMS if module == room or module.startswith(f"{room}.")]
    return max(rooms, key=len)


def wrong_way_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a room on the same floor or above (settings importing app code included)."""
    return sorted(
        f"{module} -> {target}  ({room_of(module)} may not import {room_of(target)})"
        for module, targets in graph.items()
        for target in targets
        if room_of(target) != room_of(module) and ROOMS[room_of(target)] >= ROOMS[room_of(module)]
    )


def rooms_importing_each_other(graph: dict[str, set[str]]) -> list[str]:
    arrows = {
        (room_of(module), room_of(target))
        for module, targets in graph.items()
        for target in targets
        if room_of(module) != room_of(target)
    }
    return sorted(f"{a} <-> {b}" for a, b in arrows if (b, a) in arrows and a < b)


def backend_internals_used_outside(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a backend's modules from outside its package (its face is allowed)."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        for backend in BACKENDS
        if target.startswith(f"{backend}.") and not module.startswith(backend)
    )


def oversized(files: dict[str, Path]) -> list[str]:
    """Modules over MODULE_MAX_LINES lines and classes over CLASS_MAX_LINES."""
    found = []
    for name, path in files.items():
        source = path.read_text()
        lines = len(source.splitlines())
        if lines > MODULE_MAX_LINES:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                length = node.end_lineno - node.lineno + 1
                if length > CLASS_MAX_LINES:
                    found.append(f"{name}.{node.name}: class of {length} lines")
    return found


def test_imports_point_one_way():
    assert wrong_way_imports(import_graph()) == []


def test_no_two_rooms_import_each_other():
    assert rooms_importing_each_other(import_graph()) == []


def test_only_a_backend_imports_its_own_internals():
    assert backend_internals_used_outside(import_graph()) == []


def test_the_import_rules_catch_a_breach():
    breach = {
        "items.domain": {"items.api.views"},
        "catalog_cache.responses.store": {"items.api.filters"},
        "catalog_cache.redis_core.keys": {"catalog_cache.responses.keys"},
        "config.settings.core": {"items.models"},
        "core.http.errors": {"catalog_cache.keys"},
        "items.api.views": {"items.repository.mongo.documents", "catalog_cache.responses.store"},
        "items.api.filters": {"items.operations.transfer"},
    }
    assert [line.split("  ")[0] for line in wrong_way_imports(breach)] == [
        "catalog_cache.redis_core.keys -> catalog_cache.responses.keys",
        "catalog_cache.responses.store -> items.api.filters",
        "config.settings.core -> items.models",
        "core.http.errors -> catalog_cache.keys",
        "items.api.filters -> items.operations.transfer",
        "items.domain -> items.api.views",
    ]
    assert backend_internals_used_outside(breach) == [
        "items.api.views -> items.repository.mongo.documents"
    ]
    both_ways = {
        "items.api.views": {"catalog_cache.responses.store"},
        "catalog_cache.responses.store": {"items.api"},
    }
    assert rooms_importing_each_other(both_ways) == ["catalog_cache.responses <-> items.api"]


def test_every_module_has_a_room():
    assert all(room_of(module) in ROOMS for module in source_files())


def test_modules_and_classes_stay_small():
    assert oversized(source_files()) == []


def test_the_size_rule_catches_a_long_module_and_a_long_class(tmp_path):
    long_module = tmp_path / "long_module.py"
    long_module.write_text('"""Long."""\n' + "x = 1\n" * MODULE_MAX_LINES)
    long_class = tmp_path / "long_class.py"
    long_class.write_text("class Big:\n" + "    x = 1\n" * CLASS_MAX_LINES)
    assert oversized({"long_module": long_module, "long_class": long_class}) == [
        f"long_module: {MODULE_MAX_LINES + 1} lines",
        f"long_class.Big: class of {CLASS_MAX_LINES + 1} lines",
    ]


def test_items_is_the_domain_plus_its_rooms():
    modules = sorted(path.name for path in (ROOT / "items").glob("*.py"))
    assert len(modules) <= ITEMS_MAX_MODULES, modules
    rooms = {path.name for path in (ROOT / "items").iterdir() if (path / "__init__.py").exists()}
    assert {"api", "repository", "operations"} <= rooms
    # A command's module is named after the command operators type (``manage.py mongo_indexes``).
    stray = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("mongo_*.py")
        if "commands" not in path.parts
    ]
    assert stray == []


def test_every_module_states_its_idea():
    undocumented = [
        name
        for name, path in source_files().items()
        if not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert undocumented == []


def packages() -> dict[Path, str]:
    """Every package of the apps and config (migrations aside), with its charter: the
    docstring of its ``__init__``."""
    return {
        init.parent: ast.get_docstring(ast.parse(init.read_text())) or ""
        for package in PACKAGES
        for init in sorted((ROOT / package).rglob("__init__.py"))
        if "migrations" not in init.parts
    }


def unnamed_in_charters(charters: dict[Path, str]) -> list[str]:
    """Modules and subpackages a package's charter does not name."""
    found = []
    for folder, charter in charters.items():
        place = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
        members = {path.stem for path in folder.glob("*.py") if path.name != "__init__.py"}
        members |= {path.name for path in folder.iterdir() if (path / "__init__.py").exists()}
        for member in sorted(members):
            if not re.search(rf"\b{re.escape(member)}\b", charter):
                found.append(f"{place}: {member}")
    return found


def test_every_package_charter_names_its_modules():
    assert unnamed_in_charters(packages()) == []


def test_the_charter_rule_catches_an_unnamed_module(tmp_path):
    room = tmp_path / "room"
    room.mkdir()
    (room / "__init__.py").write_text('"""A room.\n\n- ``named``: said here\n"""\n')
    (room / "named.py").write_text('"""Named."""\n')
    (room / "forgotten.py").write_text('"""Forgotten."""\n')
    charters = {room: ast.get_docstring(ast.parse((room / "__init__.py").read_text()))}
    assert unnamed_in_charters(charters) == [f"{room}: forgotten"]
