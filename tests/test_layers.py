"""The house's layers: no import runs back up (docs/architecture.md draws them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# The web app, bottom to top. A module may import from its own layer or a lower one, never from
# a higher one; each web app is a layer of its own, so no two apps import each other.
WEB_LAYERS: list[tuple[str, ...]] = [
    # Settings and start-up: what every other part stands on.
    (
        "custodes.web.env",
        "custodes.web.secrets",
        "custodes.web.settings",
        "custodes.web.settings_common",
        "custodes.web.portal_settings",
        "custodes.web.setup",
        "custodes.web.checks",
        "custodes.web.middleware",
        "custodes.web.wsgi",
    ),
    ("custodes.web.needtoknow",),
    ("custodes.web.trail",),
    ("custodes.web.encryption",),
    # The reporting portal's core: reports sealed per report, receipts, the only writes.
    ("custodes.web.portal",),
    ("custodes.web.accounts",),
    ("custodes.web.cases",),
    ("custodes.web.alerts",),
    # The staff side of the reporting portal: it opens cases.
    ("custodes.web.reports",),
    ("custodes.web.registry",),
    # Vetting: re-vetting tasks from cases' outcomes, confirmed list matches and audit alerts.
    ("custodes.web.vetting",),
    # Early intervention: it opens cases from a risk run's entries.
    ("custodes.web.risk",),
    # Statistics: it counts every case, and shows a publication to everyone.
    ("custodes.web.stats",),
    ("custodes.web.dbsecurity",),
    # The pages and commands that bring the apps together.
    (
        "custodes.web.views",
        "custodes.web.navigation",
        "custodes.web.urls",
        "custodes.web.portal_urls",
        "custodes.web.portal_wsgi",
        "custodes.web.demo",
        "custodes.web.commands",
        "custodes.web.trail_export",
        "custodes.web.alerts_cli",
        "custodes.web.cases_cli",
        "custodes.web.keys_cli",
        "custodes.web.portal_cli",
        "custodes.web.registry_cli",
        "custodes.web.reports_cli",
        "custodes.web.risk_cli",
        "custodes.web.trail_cli",
        "custodes.web.vetting_cli",
    ),
]
# The libraries, bottom to top: none of them imports the web app (tests/test_libraries.py also
# holds them to importing no Django).
LIBRARY_LAYERS: list[tuple[str, ...]] = [
    (
        "custodes.errors",
        "custodes.folders",
        "custodes.crypto",
        "custodes.signing",
        "custodes.vega",
    ),
    ("custodes.lists", "custodes.files"),
    ("custodes.linkage",),
    ("custodes.audit", "custodes.synth", "custodes.caserules"),
    # Officer histories read the format caserules defines; early intervention and statistics
    # read histories.
    ("custodes.history",),
    ("custodes.risk", "custodes.stats"),
    ("custodes.web",),
    ("custodes.cli",),
]
# Where a layer's rule is set aside, and why; each entry is checked to be still needed.
ALLOWED: dict[tuple[str, str], str] = {}


def _owner(module: str, layers: list[tuple[str, ...]]) -> tuple[int, str] | None:
    """Return the layer and the package (as listed) a module belongs to."""
    for level, members in enumerate(layers):
        for member in members:
            if module == member or module.startswith(member + "."):
                return level, member
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Return the custodes modules a file imports, at any depth, except for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return [name for name in found if name.startswith("custodes")]


def _crossings(layers: list[tuple[str, ...]], root: Path) -> list[str]:
    crossings = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # applied history: Django loads them in order, whatever they import
        module = _module_name(path)
        here = _owner(module, layers)
        if here is None:
            continue
        for imported in _imports(path):
            there = _owner(imported, layers)
            if there is None or there[1] == here[1]:
                continue
            if there[0] > here[0] and (module, imported) not in ALLOWED:
                crossings.append(f"{module} imports {imported}")
    return sorted(set(crossings))


def test_every_web_module_is_in_a_layer() -> None:
    """A new module must be placed in a layer, so the rule covers it."""
    unplaced = [
        _module_name(path)
        for path in (SRC / "custodes" / "web").rglob("*.py")
        if "migrations" not in path.parts
        and _module_name(path) != "custodes.web"
        and _owner(_module_name(path), WEB_LAYERS) is None
    ]
    assert unplaced == []


@pytest.mark.parametrize(
    ("layers", "root"),
    [(WEB_LAYERS, SRC / "custodes" / "web"), (LIBRARY_LAYERS, SRC / "custodes")],
    ids=["web apps", "libraries"],
)
def test_no_import_runs_back_up(layers: list[tuple[str, ...]], root: Path) -> None:
    """Each module imports only from its own layer or the layers below it."""
    assert _crossings(layers, root) == []


def test_the_check_finds_an_import_that_runs_back_up(tmp_path: Path) -> None:
    """A needtoknow module that imported an app would be caught: the test can fail."""
    module = SRC / "custodes" / "web" / "needtoknow" / "_layer_probe.py"
    module.write_text("from custodes.web.alerts.models import Alert\n", encoding="utf-8")
    try:
        found = _crossings(WEB_LAYERS, SRC / "custodes" / "web")
    finally:
        module.unlink()
    assert "custodes.web.needtoknow._layer_probe imports custodes.web.alerts.models" in found


def test_the_web_app_uses_each_library_through_its_face() -> None:
    """No web module reaches into a library's modules: only `custodes.audit`, never
    `custodes.audit.run`, so a library may rearrange its insides freely."""
    faces = (
        "custodes.audit",
        "custodes.caserules",
        "custodes.files",
        "custodes.history",
        "custodes.linkage",
        "custodes.lists",
        "custodes.risk",
        "custodes.stats",
        "custodes.synth",
    )
    reaching = []
    for path in sorted((SRC / "custodes" / "web").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            reaching += [
                f"{_module_name(path)} imports {name}"
                for name in names
                if any(name.startswith(face + ".") for face in faces)
            ]
    assert reaching == []
