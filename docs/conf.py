"""Sphinx configuration of the ufldl-sae documentation.

Build from the repository root with the one documented command::

    python -m sphinx -W --keep-going -b html docs build/docs

The notebooks are the committed, executed ``notebooks/0N_*.ipynb`` (``docs/notebooks`` links to
that folder), rendered by myst-nb without running them. The API pages, the command-line page
and the table of the checker's mistake codes are written from the package itself when the build
starts (into ``docs/_generated``, which git ignores), so they follow the code as it changes.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import os
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))  # document this checkout, not an installed copy

import ufldl_sae  # noqa: E402

project = "ufldl-sae"
author = "the ufldl-sae authors"
copyright = "the ufldl-sae authors, MIT licence"  # noqa: A001
release = version = ufldl_sae.__version__

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

# myst-nb: the notebooks are committed with their outputs; never run them here.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# numpydoc renders the docstrings' sections; the equations in Notes go through MathJax.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_default_options = {"member-order": "bysource"}  # members: listed per page
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
autosummary_generate = False

# The notebooks' README is written for the code host (its links point at the .ipynb files
# beside it); docs/notebooks_howto.md says the same for this site.
# docs/_generated/*.md are parts of pages, read by {include}, not pages of their own.
exclude_patterns = ["_build", "_generated/*.md", "notebooks/README.md", "**/.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# MathJax comes from its CDN, as for NumPy's and SciPy's sites. For a site read offline, point
# UFLDL_SAE_DOCS_MATHJAX at a local tex-mml-chtml.js (e.g. from `npm install mathjax@3`).
if os.environ.get("UFLDL_SAE_DOCS_MATHJAX"):
    mathjax_path = Path(os.environ["UFLDL_SAE_DOCS_MATHJAX"]).resolve().as_uri()

html_theme = "pydata_sphinx_theme"
html_title = "ufldl-sae"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
# Pages without sub-pages get no left sidebar (it would hold only an empty "Section Navigation").
html_sidebars = {
    page: [] for page in ("index", "getting_started", "coursework", "cli", "performance", "rebuild")
}
# Quotes stay as typed: the mistake explanations hold code such as order='F', which students copy.
smartquotes = False
html_show_sourcelink = False

GENERATED = DOCS / "_generated"


# --- pages written from the package ---------------------------------------------------------------


@functools.cache
def public_modules() -> tuple[str, ...]:
    """Every module of the package whose name has no leading underscore, in import order."""
    names = ["ufldl_sae"]
    for info in pkgutil.walk_packages(ufldl_sae.__path__, "ufldl_sae."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return tuple(sorted(names))


def first_line(module_name: str) -> str:
    """The first line of a module's docstring, for the API index."""
    doc = importlib.import_module(module_name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it is there already (keeps Sphinx's cache valid)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def defined_and_reexported(module_name: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The public names a module defines, and those it re-exports with their home module.

    Public names are ``__all__`` when the module has one, else the names without a leading
    underscore. A function or class belongs to the module named by its ``__module__``; each is
    documented there once, and listed with a link on the pages of the modules that re-export it
    (a second description would be a duplicate object). Constants have no ``__module__`` and
    are documented where ``__all__`` lists them.
    """
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:  # autodoc's own rule then: the names whose __module__ is this module
        return [], []
    public = set(public_modules())
    defined, reexported = [], []
    for name in names:
        obj = getattr(module, name, None)
        if isinstance(obj, ModuleType):
            continue  # a submodule: it has its own page
        home = getattr(obj, "__module__", None) if callable(obj) else None
        if home is None or home == module_name or home not in public:
            defined.append(name)
        else:
            reexported.append((name, home))
    return defined, reexported


def api_page(name: str) -> str:
    """The reST of one module's page: its docstring, its own members, links to re-exports."""
    defined, reexported = defined_and_reexported(name)
    title = name.replace("_", "\\_")
    lines = [title, "=" * len(title), "", f".. automodule:: {name}"]
    if defined or not hasattr(importlib.import_module(name), "__all__"):
        lines.append(f"   :members: {', '.join(defined)}".rstrip())
    else:
        lines.append("   :no-members:")
    if reexported:
        lines += ["", "Also available here, documented where they are defined:", ""]
        lines += [f"* :py:obj:`{n} <{home}.{n}>` (from :py:mod:`{home}`)" for n, home in reexported]
    return "\n".join(lines) + "\n"


def write_api_pages() -> None:
    """One page per public module (autodoc + numpydoc) and the index that lists them."""
    modules = public_modules()
    rows = []
    for name in modules:
        write_if_changed(GENERATED / "api" / f"{name}.rst", api_page(name))
        rows.append(f"   * - :doc:`{name} <{name}>`\n     - {first_line(name)}")
    index = [
        "Modules",
        "=======",
        "",
        ".. toctree::",
        "   :hidden:",
        "",
        *[f"   {name}" for name in modules],
        "",
        ".. list-table::",
        "   :widths: 30 70",
        "",
        *rows,
        "",
    ]
    write_if_changed(GENERATED / "api" / "index.rst", "\n".join(index))


# The docstrings write absolute values and norms as plain text, |a - b| and ||x||, which reST
# would read as substitution references; outside inline literals and roles they are escaped.
_LITERAL = re.compile(r"(``.+?``|:[a-z:]+:`.+?`|`.+?`)")


def escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """``autodoc-process-docstring``: ``|`` outside literals and roles becomes ``\\|``."""
    for i, line in enumerate(lines):
        if "|" in line:
            parts = _LITERAL.split(line)
            lines[i] = "".join(
                p if k % 2 else p.replace("|", "\\|") for k, p in enumerate(parts)
            )


def _subcommands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, str]]:
    """``(command, help text)`` for ``parser`` and, depth first, every subcommand below it."""
    found = [(prefix, parser.format_help())]
    for action in parser._actions:  # argparse keeps the subparsers here and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _subcommands(sub, f"{prefix} {name}")
    return found


def write_cli_page() -> None:
    """The help of ``ufldl-sae`` and of every subcommand, as the parser prints it."""
    from ufldl_sae.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; fix the width for the page
    parts = []
    for command, text in _subcommands(build_parser(), "ufldl-sae"):
        parts += [f"## `{command}`", "", "```text", text.rstrip(), "```", ""]
    write_if_changed(GENERATED / "cli.md", "\n".join(parts))


def write_mistakes_page() -> None:
    """The checker's mistake codes, their one-line titles and explanations, from the package."""
    from ufldl_sae.coursework.mistakes import MISTAKES

    parts = []
    for code, mistake in MISTAKES.items():
        parts += [f"`{code}`", f": **{mistake.title}**", "", f"  {mistake.explanation}", ""]
    write_if_changed(GENERATED / "mistakes.md", "\n".join(parts))
    rows = ["| code | severity | what the checker says | where |", "|---|---|---|---|"]
    for code, severity, message, module in finding_codes():
        if code not in MISTAKES:
            text = message.replace("|", "\\|").replace("\n", " ")
            rows.append(f"| `{code}` | {severity} | {text} | `{module}` |")
    write_if_changed(GENERATED / "findings.md", "\n".join(rows) + "\n")


def _text_of(node: ast.expr) -> str:
    """A message argument as text: f-string fields become an ellipsis, sums are joined."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text_of(v) if isinstance(v, ast.Constant) else "..." for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text_of(node.left) + _text_of(node.right)
    return "..."


def _severity(node: ast.expr) -> str:
    """``"note"`` for ``NOTE`` or ``"note"``, else ``"error"`` (the default of a finding)."""
    value = node.value if isinstance(node, ast.Constant) else getattr(node, "id", "")
    return "note" if str(value).lower() == "note" else "error"


def finding_codes() -> list[tuple[str, str, str, str]]:
    """``(code, severity, message, module)`` of every ``Finding(...)`` the checker builds with
    a literal code, read from the source of ``ufldl_sae.coursework`` (first occurrence of each)."""
    seen: dict[str, tuple[str, str, str, str]] = {}
    for path in sorted((REPO / "ufldl_sae" / "coursework").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Finding"):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant)):
                continue
            code = node.args[0].value
            message = _text_of(node.args[1]) if len(node.args) > 1 else "..."
            given = [k.value for k in node.keywords if k.arg == "severity"] + node.args[2:3]
            severity = _severity(given[0]) if given else "error"
            seen.setdefault(code, (code, severity, " ".join(message.split()), path.stem))
    return sorted(seen.values())


#: A relative Markdown link to a local .md file: ``[text](path.md)`` or ``(path.md#anchor)``.
_MD_LINK = re.compile(r"\]\(([^):#\s]+\.md)(#[^)]*)?\)")


def write_benchmarks_pages() -> list[str]:
    """``BENCHMARKS.md`` and the local Markdown files it links to, copied under _generated.

    MyST resolves a link of an included file from the file's real place, outside ``docs/``;
    the copies keep their relative layout inside the source folder, so the links resolve to
    pages of the site. Returns the docnames of the linked pages, for a toctree.
    """
    text = (REPO / "BENCHMARKS.md").read_text(encoding="utf-8")
    write_if_changed(GENERATED / "BENCHMARKS.md", text)
    linked = []
    for target in sorted({match.group(1) for match in _MD_LINK.finditer(text)}):
        source = REPO / target
        if source.is_file():
            write_if_changed(GENERATED / target, source.read_text(encoding="utf-8"))
            linked.append(f"_generated/{target[:-3]}")
    toctree = ["```{toctree}", ":hidden:", "", *linked, "```", ""]
    write_if_changed(GENERATED / "benchmarks_toctree.md", "\n".join(toctree))
    return linked


def generate(app) -> None:
    write_api_pages()
    write_cli_page()
    write_mistakes_page()
    write_benchmarks_pages()


myst_enable_extensions.append("deflist")


def setup(app) -> dict[str, bool]:
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-docstring", escape_bars, priority=400)  # before numpydoc
    return {"parallel_read_safe": True}
