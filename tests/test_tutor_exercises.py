"""The tutor's relations for the other two functions: ``sample_patches`` and the numerical gradient.

A patch in another orientation is named by what it is (its pixels encode where they came from);
a numerical gradient with the opposite sign, a factor 2 or another epsilon is named by that
relation, and the code stays ``numgrad-differs``.
"""

from __future__ import annotations

import pytest
from test_coursework import check_file, correct_numgrad, correct_patches, edit, write

from ufldl_sae.coursework.relations import Relation, readable_difference, relation


@pytest.mark.parametrize(
    ("suffix", "orientation"),
    [
        ("[::-1]", "upside down (rows reversed)"),
        ("[:, ::-1]", "mirrored (columns reversed)"),
        ("[::-1, ::-1]", "rotated by 180 degrees"),
    ],
)
def test_patch_in_another_orientation_is_named(tmp_path, suffix, orientation):
    old = "patch = images[r : r + patch_size, c : c + patch_size, k]"
    text = edit(correct_patches(), [(old, old + suffix)])
    report = check_file(write(tmp_path, text, "sample_patches.py"))
    assert report.error_codes == ["reordered"], str(report)
    assert report.findings[0].where == {"block": "patch", "orientation": orientation}


@pytest.mark.parametrize(
    ("edits", "where"),
    [
        ([("/ (2 * epsilon)", "/ epsilon")], {"relation": "factor", "factor": "2"}),
        (
            [("(J(plus)[0] - J(minus)[0])", "(J(minus)[0] - J(plus)[0])")],
            {"relation": "sign-flipped"},
        ),
        ([("epsilon = 1e-4", "epsilon = 0.1")], {"relation": "epsilon", "epsilon": 0.1}),
    ],
)  # fmt: skip
def test_numerical_gradient_relation_is_named(tmp_path, edits, where):
    path = write(tmp_path, edit(correct_numgrad(), edits), "compute_numerical_gradient.py")
    report = check_file(path)
    assert report.error_codes == ["numgrad-differs"], str(report)
    assert report.findings[0].where == where, str(report)


def test_relation_order_keeps_the_relations_apart():
    import numpy as np

    r = np.array([1.0, -2.0, 3.0, 0.5])
    named = {"m": 7.0, "2": 2.0}
    kw = {"constants": named, "quantities": {"q": np.ones(4)}, "alternatives": {}}
    assert relation(r, r, **kw) == Relation("equal")
    assert relation(0 * r, r, **kw).kind == "zero"
    assert relation(-r, r, **kw).kind == "sign"
    assert relation(7 * r, r, **kw) == Relation("factor", name="m", factor=7.0)
    assert relation(-2 * r, r, **kw) == Relation("factor", name="2", factor=-2.0)
    assert relation(r + 1, r, **kw) == Relation("extra", name="q")
    assert relation(r - 1, r, **kw) == Relation("missing", name="q")
    matrix = np.arange(6.0)
    moved = matrix.reshape(2, 3, order="F").ravel(order="C")
    plain = {"constants": named, "quantities": {}, "alternatives": {}}
    assert relation(moved, matrix, **plain, shape=(2, 3)).kind == "reordered"
    other = relation(r**2, r, **kw)
    assert other.kind == "none" and "the opposite sign" in other.ruled_out


def test_readable_difference_never_gives_a_huge_relative_number():
    import numpy as np

    r = np.array([0.952282, -0.5])
    assert readable_difference(-r, r) == "opposite sign"
    assert readable_difference(7 * r, r) == "7 times as large"
    assert readable_difference(1.1 * r, r) == "10.0%"
    assert readable_difference(np.ones(2), np.zeros(2)) == "nonzero where the notes' are zero"
