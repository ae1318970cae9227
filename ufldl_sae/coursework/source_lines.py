"""Point at the line: where the student's function assigns a variable a finding names.

The student's file is parsed with :mod:`ast`, never run: the parent process reads the text of
the file named by the function's ``__ufldl_source__`` (``path:function``, set by the loader and
by the grader's stand-in, which also carries the snapshot's text as ``__ufldl_text__``, so that
the lines are those of the file that was graded) or, for a function defined in Python, the
file it came from. A name
that is not assigned in the function gives no line: the checker never guesses.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _source(func: Callable[..., Any]) -> tuple[str, str, int] | None:
    """The file's text, the function's name and the line offset of the text (1 for a file)."""
    spec = getattr(func, "__ufldl_source__", None)
    if isinstance(spec, str) and ":" in spec:
        path, name = spec.rsplit(":", 1)
        text = getattr(func, "__ufldl_text__", None)
        if isinstance(text, str):
            return text, name, 1
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace"), name, 1
        except OSError:
            return None
    try:
        lines, start = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return None
    return textwrap.dedent("".join(lines)), func.__name__, max(start, 1)


def _targets(node: ast.AST) -> list[str]:
    """The plain names (or the names subscripted) a statement assigns."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    names = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.append(sub.id)
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            names.append(target.value.id)
    return names


def _is_initialization(node: ast.AST) -> bool:
    """``x = np.zeros(...)`` and the like: a start, not where the value is computed."""
    value = getattr(node, "value", None)
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("zeros", "zeros_like", "empty", "empty_like")
    return False


def assignment_lines(func: Callable[..., Any], name: str) -> list[int]:
    """The lines of the student's file where ``func`` assigns ``name`` (not its zeros)."""
    found = _source(func)
    if found is None:
        return []
    text, function, offset = found
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    defs = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function
    ]
    if not defs:
        return []
    lines = [
        node.lineno + offset - 1
        for node in ast.walk(defs[0])
        if name in _targets(node) and not _is_initialization(node)
    ]
    return sorted(set(lines))


def find_line(func: Callable[..., Any], names: tuple[str, ...]) -> tuple[str, int] | None:
    """The first of ``names`` the function assigns, and the last line assigning it, or None."""
    for name in names:
        lines = assignment_lines(func, name)
        if lines:
            return name, lines[-1]
    return None
