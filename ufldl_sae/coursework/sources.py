"""Read a submission's source, without running it, for what the teacher should know.

A submission that imports ``ufldl_sae`` (its cost, its model, anything) may pass by handing back
the package's own numbers: the check cannot tell, since the numbers are right, but copying the
reference is not the student's work. The grader parses the snapshot with :mod:`ast` (parsing
runs no code) and adds a visible note for the teacher; the child also reports the ``ufldl_sae``
modules it had loaded, which catches ``importlib.import_module("ufldl_sae")`` written so that
the parse does not see it.
"""

from __future__ import annotations

import ast

from .report import NOTE, Finding

PACKAGE = "ufldl_sae"


def package_imports(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for each import of the package, or the package's name in a string."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == PACKAGE]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            found.append((node.lineno, str(node.module)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if PACKAGE in node.value:
                found.append((node.lineno, repr(node.value[:60])))
    return sorted(set(found))


def package_use_note(source: bytes) -> Finding | None:
    """A note for the teacher when the submission's ``source`` uses the package, else None."""
    source = source.decode(errors="replace")
    found = package_imports(source)
    if not found:
        return None
    lines = ", ".join(f"line {line}: {what}" for line, what in found[:5])
    return Finding(
        "uses-package-cost",
        f"For the teacher: this submission uses the ufldl_sae package itself ({lines}). A "
        "result computed by the package's own cost is not the student's work; read the file "
        "before counting this check.",
        severity=NOTE,
        where={"line": found[0][0]},
    )
