"""The package's layers, as the folders show them: lower layers never import higher ones.

Read from the source (every ``import`` statement, including the ones inside functions), not
from what happens to be loaded, so an upward import fails here even on a path no other test
takes.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "ufldl_sae"

#: Each unit (a top-level module or a subpackage) and its layer, bottom up. A module may import
#: its own unit and any unit of a strictly lower layer, nothing else.
LAYERS: dict[str, int] = {
    "_version": 0,
    "backend": 0,
    "tuning": 0,
    "embedded": 0,
    "validation": 1,
    "params": 2,
    "model": 3,
    "gradcheck": 4,
    "data": 4,
    "results": 4,
    "optimize": 5,
    "plots": 5,
    "beyond": 6,
    "exercises": 6,
    "estimator": 7,
    "coursework": 7,
    "runs": 8,
    "cli": 9,
    "__main__": 10,
}

#: What ``import ufldl_sae.model`` may load: the notes' core and what it stands on.
CORE = {"ufldl_sae", "ufldl_sae._version", "ufldl_sae.backend", "ufldl_sae.tuning",
        "ufldl_sae.validation", "ufldl_sae.params", "ufldl_sae.model"}  # fmt: skip


#: The notes' core as the README counts it, and the most lines any module may have.
CORE_MODULES = ("backend", "validation", "params", "model", "gradcheck", "results", "optimize")
MAX_MODULE_LINES = 500


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _modules() -> list[tuple[Path, str]]:
    """Every module of the package with its dotted name."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((path, ".".join(parts)))
    return found


def _imports(path: Path, name: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from . import plots`` names a unit in the alias, not in the module
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _unit(module: str) -> str | None:
    """The unit of a ``ufldl_sae`` module (``ufldl_sae.beyond.deep`` -> ``beyond``)."""
    parts = module.split(".")
    if parts[0] != "ufldl_sae" or len(parts) < 2:
        return None
    return parts[1]


def test_every_unit_has_a_layer():
    units = {_unit(name) for _, name in _modules()} - {None}
    assert units <= set(LAYERS), f"units without a layer: {sorted(units - set(LAYERS))}"


def test_no_import_points_upward():
    upward = []
    for path, name in _modules():
        own = _unit(name)
        if own is None:  # the package's __init__: checked below
            continue
        for line, module in _imports(path, name):
            target = _unit(module)
            if target is None or target == own or target not in LAYERS:
                continue
            if LAYERS[target] >= LAYERS[own]:
                upward.append(f"{path.relative_to(REPO)}:{line} ({own}) imports {module}")
    assert not upward, "imports that point upward or sideways:\n" + "\n".join(upward)


def test_no_module_imports_the_package_init():
    """The package ``__init__`` is the public face; inside, modules import each other directly."""
    offenders = []
    for path, name in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            depth = len(package.split(".")) - node.level + 1 if node.level else None
            top = (node.level and depth == 1 and node.module is None) or (
                not node.level and node.module == "ufldl_sae"
            )
            submodules = {p.stem for p in PACKAGE.iterdir()}
            if top and any(alias.name not in submodules for alias in node.names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders


def test_the_package_init_loads_nothing_eagerly_but_its_version():
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    eager = [
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level and node.module != "_version"
    ]
    assert eager == []


def test_importing_the_model_loads_only_the_core():
    code = (
        "import sys, ufldl_sae.model\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('ufldl_sae'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(out.stdout.split()) == CORE


def test_public_names_load_on_first_use():
    import ufldl_sae

    for name in ufldl_sae.__all__:
        assert getattr(ufldl_sae, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        ufldl_sae.not_a_name  # noqa: B018


def test_no_module_is_over_the_limit():
    long = {str(path.relative_to(REPO)): _lines(path) for path, _ in _modules()}
    long = {path: n for path, n in long.items() if n > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_the_readme_states_the_core_size_and_draws_every_folder():
    """The README's "about N lines" of the core stays within 10% of the count, and its layout
    names every subpackage."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"reads in one sitting \(about ([0-9,]+) lines", readme)
    assert match, "the README's layout section no longer states the core's size"
    stated = int(match.group(1).replace(",", ""))
    actual = sum(_lines(PACKAGE / f"{name}.py") for name in CORE_MODULES)
    assert abs(stated - actual) <= 0.1 * actual, f"README says {stated}, the core has {actual}"
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    missing = [f for f in folders if f"  {f}/" not in readme]
    assert not missing, f"subpackages missing from the README's layout: {missing}"
