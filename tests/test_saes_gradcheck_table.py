"""The gradient-check table of the dictionary-learning SAEs (``ufldl-sae gradcheck --saes``)."""

from __future__ import annotations

import numpy as np

from ufldl_sae.beyond.saes import gradcheck as table
from ufldl_sae.beyond.saes.decoder import normalize_decoder
from ufldl_sae.beyond.saes.layout import sae_blocks
from ufldl_sae.beyond.saes.models import topk_cost, topk_mask
from ufldl_sae.cli.main import main


def test_every_row_passes_with_no_piece_changed():
    rows = table.sae_gradient_table()
    assert len(rows) == 8
    for model, what, check in rows:
        assert not check.kinks_crossed, (model, what)
        assert check.worst < 1e-9, (model, what, check)


def test_a_wrong_gradient_fails_the_row():
    """The unit-norm decoder checked against the unprojected gradient: the table's machinery
    reports the difference (it can fail)."""
    v, h, _ = table.SAE_PROBLEM
    data, theta = table._problem(4)
    theta = normalize_decoder(theta, v, h)
    check = table._checked(
        lambda t: topk_cost(normalize_decoder(t, v, h), v, h, data, 3)[0], theta,
        sae_blocks(v, h, "topk"), lambda t: topk_mask(table._z(t, data), 3),
        analytical=topk_cost(theta, v, h, data, 3)[1],
    )  # fmt: skip
    assert check.worst > 1e-3 and not check.passed


def test_a_changed_selection_invalidates_the_row():
    """k = 3 of 10 on a problem whose 3rd and 4th pre-activations are within a large step of
    each other: the stencil changes the selection, and the row must not pass."""
    v, h, _ = table.SAE_PROBLEM
    data, theta = table._problem(4)
    check = table._checked(
        lambda t: topk_cost(t, v, h, data, 3)[0], theta, sae_blocks(v, h, "topk"),
        lambda t: topk_mask(table._z(t, data), 3), epsilon=0.5,
        analytical=topk_cost(theta, v, h, data, 3)[1],
    )  # fmt: skip
    assert check.kinks_crossed and not check.passed


def test_the_command_line_prints_the_table(capsys):
    assert main(["gradcheck", "--saes"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.endswith("PASS") and "e-" in line]
    assert sum(name in out for name in ("relu-l1", "batchtopk", "auxk", "jumprelu")) == 4
    assert "3. ufldl_sae.beyond.saes" in out
    assert len(rows) >= 8
    assert np.all([float(line.split()[-2]) < 1e-9 for line in rows])
