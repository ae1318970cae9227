"""The exercise's starter files and ``init_exercise``, behind ``ufldl-sae exercise init DIR``.

The templates are package data (``templates/*.py.txt`` and ``templates/README-*.md``): stored with
a ``.txt`` suffix so that neither pytest nor ruff treats a file that raises ``NotImplementedError``
as part of the package, and read with :mod:`importlib.resources` so that they ship in the wheel.
Existing files in the target folder are never overwritten: a student who runs ``init`` again
keeps their work.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: For each exercise: the file written into the folder -> its template.
EXERCISE_FILES: dict[str, dict[str, str]] = {
    "sparse-autoencoder": {
        "README.md": "README-sparse-autoencoder.md",
        "sample_patches.py": "sample_patches.py.txt",
        "sparse_autoencoder_cost.py": "sparse_autoencoder_cost.py.txt",
        "compute_numerical_gradient.py": "compute_numerical_gradient.py.txt",
    },
    "vectorization": {
        "README.md": "README-vectorization.md",
        "sparse_autoencoder_cost.py": "sparse_autoencoder_cost.py.txt",
    },
}

#: Per exercise, edits of the shared templates' text (old -> new): the vectorization exercise
#: reuses the cost's starter file under its own heading.
RETITLE: dict[str, list[tuple[str, str]]] = {
    "vectorization": [
        (
            "Exercise, step 2: the sparse autoencoder's cost J_sparse(W, b) and its gradient.",
            "Vectorization exercise: J_sparse(W, b) and its gradient, with no loop over examples.",
        ),
        (
            "Check your work:      ufldl-sae check sparse_autoencoder_cost.py\n",
            "Check your work:      ufldl-sae check sparse_autoencoder_cost.py "
            "--exercise vectorization\n",
        ),
    ],
}

#: The lines that open and close the student's block in every template.
BEGIN_MARK, END_MARK = "# >>> YOUR CODE HERE", "# <<< END OF YOUR CODE"


def template_text(name: str) -> str:
    """The text of one template, by its file name in ``templates/``."""
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def exercise_files(exercise: str = "sparse-autoencoder") -> dict[str, str]:
    """The starter files of an exercise: file name -> text."""
    if exercise not in EXERCISE_FILES:
        raise ValueError(
            f"exercise must be one of {', '.join(sorted(EXERCISE_FILES))}, got {exercise!r}"
        )
    files = {target: template_text(source) for target, source in EXERCISE_FILES[exercise].items()}
    for old, new in RETITLE.get(exercise, []):
        files = {name: text.replace(old, new) for name, text in files.items()}
    return files


def init_exercise(
    directory: str | Path, exercise: str = "sparse-autoencoder"
) -> tuple[list[Path], list[Path]]:
    """Write an exercise's starter files into ``directory`` (created if needed).

    Returns
    -------
    written : list of Path
        The files created.
    kept : list of Path
        The files that already existed and were left untouched.
    """
    files = exercise_files(exercise)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for name, text in files.items():
        target = directory / name
        try:
            with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite
                handle.write(text)
        except FileExistsError:
            kept.append(target)
        else:
            written.append(target)
    return written, kept
