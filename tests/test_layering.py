"""Calls go one way: the neutral lower layers know no domain, the listings sit below the directory and the curation,
and other domains reach the directory through its face (`api.directory.service`) only.

Every import is read from the source (function-level ones too), so a forbidden import fails here before anyone
depends on it.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from api.config import PROJECT_ROOT

API = PROJECT_ROOT / "api"
FIRST_PARTY = ("api", "models", "seed", "bench", "migrations", "tests")
DOMAINS = (
    "api.accounts",
    "api.feedback",
    "api.curation",
    "api.directory",
    "api.search",
    "api.listings",
    "api.calendar",
)
_LOWER_FILES = (
    "config",
    "errors",
    "http",
    "pagination",
    "visibility",
    "timestamps",
    "geo",
    "prepared",
    "readers",
    "db",
    "notifications_bus",
)
LOWER_MODULES = tuple(f"api.{name}" for name in _LOWER_FILES)
LOWER_LAYERS = (*LOWER_MODULES, "api.textsearch")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = PROJECT_ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(source: str, importer: str, *, is_package: bool = False) -> Iterator[str]:
    """Every module `importer` imports, wherever the import statement stands; `from package import name` counts as
    importing `package.name` when that is a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = importer.split(".")[: len(importer.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if is_module(submodule) else base


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def imports_of(*packages: str) -> list[tuple[str, str]]:
    """(file, imported module) for every first-party import in the modules of `packages` (api/… paths)."""
    found = []
    for path in sorted(API.rglob("*.py")):
        importer = module_name(path)
        if not within(importer, packages):
            continue
        for imported in imported_modules(path.read_text(), importer, is_package=path.name == "__init__.py"):
            if imported.split(".")[0] in FIRST_PARTY:
                found.append((str(path.relative_to(PROJECT_ROOT)), imported))
    return found


def test_the_import_reader_sees_imports_inside_functions() -> None:
    source = "def later():\n    from api.directory.places import service\n    import models\n"
    assert set(imported_modules(source, "api.search.service")) == {"api.directory.places.service", "models"}


def test_the_lower_layers_import_no_domain() -> None:
    offending = [(file, name) for file, name in imports_of(*LOWER_LAYERS) if within(name, DOMAINS)]
    assert not offending, "a lower layer imports a domain: " + ", ".join(f"{f} imports {n}" for f, n in offending)


def test_the_text_search_engine_imports_no_model() -> None:
    offending = [(file, name) for file, name in imports_of("api.textsearch") if within(name, ("models",))]
    assert not offending, "the text-search engine imports models: " + ", ".join(
        f"{f} imports {n}" for f, n in offending
    )


def test_the_listings_import_only_lower_layers_the_calendar_and_models() -> None:
    allowed = (*LOWER_LAYERS, "api.listings", "api.calendar", "models")
    offending = [(file, name) for file, name in imports_of("api.listings") if not within(name, allowed)]
    assert not offending, "api/listings imports above its layer: " + ", ".join(f"{f} imports {n}" for f, n in offending)


def test_the_directory_imports_no_curation_feedback_accounts_or_search() -> None:
    forbidden = ("api.curation", "api.feedback", "api.accounts", "api.search")
    offending = [(file, name) for file, name in imports_of("api.directory") if within(name, forbidden)]
    assert not offending, "api/directory imports another domain: " + ", ".join(f"{f} imports {n}" for f, n in offending)


def test_other_modules_reach_the_directory_only_through_its_service_and_the_app_through_its_routes() -> None:
    offending = []
    for file, name in imports_of("api"):
        if file.startswith("api/directory/") or not within(name, ("api.directory",)):
            continue
        if name == "api.directory.service" or (name == "api.directory.routes" and file == "api/main.py"):
            continue
        offending.append((file, name))
    assert not offending, "the directory's insides imported from outside: " + ", ".join(
        f"{f} imports {n}" for f, n in offending
    )


def test_the_search_uses_the_directory_only_through_its_service() -> None:
    offending = [
        (file, name)
        for file, name in imports_of("api.search")
        if within(name, ("api.directory",)) and name != "api.directory.service"
    ]
    assert not offending, "api/search imports the directory's insides: " + ", ".join(
        f"{f} imports {n}" for f, n in offending
    )


# A place search read from the route down: each module imports only modules after it here, so following a search
# from `list_places` to its SQL never climbs back up (README: "Contributor notes").
PLACE_SEARCH_READING_ORDER = (
    "routes",
    "params",
    "service",
    "chooser",
    "strategies.nearest",
    "strategies.grid",
    "strategies.index",
    "strategies.general",
    "strategies.base",
    "plan",
    "views",
    "facets",
    "open_now",
    "query",
    "schemas",
)


def test_a_place_search_reads_downward_from_the_route() -> None:
    places = "api.directory.places"
    order = [f"{places}.{name}" for name in PLACE_SEARCH_READING_ORDER]
    modules = {module_name(path) for path in (API / "directory" / "places").rglob("*.py")} - {
        places,
        f"{places}.strategies",
    }
    assert modules == set(order), "a module of api/directory/places missing from the reading order, or gone"
    upward = [
        (file, imported)
        for file, imported in imports_of(places)
        if imported in order and order.index(imported) <= order.index(module_name(PROJECT_ROOT / file))
    ]
    assert not upward, f"imports that climb back up the reading order: {upward}"


def test_the_console_is_a_layer_of_pages_over_the_services() -> None:
    """The console asks the domains' services (the same rules as the API) and runs no query of its own; nothing but
    the app imports it."""
    sources = {path: path.read_text() for path in (API / "console").rglob("*.py")}
    with_sql = [str(path.relative_to(PROJECT_ROOT)) for path, text in sources.items() if "sqlalchemy" in text]
    assert not with_sql, "the console runs queries itself; put them in a domain's service: " + ", ".join(with_sql)
    into_console = [
        (file, name)
        for file, name in imports_of("api")
        if within(name, ("api.console",)) and not file.startswith("api/console/") and file != "api/main.py"
    ]
    assert not into_console, "the console imported from below: " + ", ".join(
        f"{f} imports {n}" for f, n in into_console
    )
