"""Training the dictionary-learning autoencoders on a small toy: minibatch Adam, the unit-norm
decoder, dead latents and AuxK, the run folder of the toy-features preset and its CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ufldl_sae.beyond.saes.decoder import DeadLatents
from ufldl_sae.beyond.saes.train import SaeOptions, budget_curve, encode, train_sae
from ufldl_sae.data import toy_features

SMALL = {"hidden_size": 32, "batch_size": 200, "learning_rate": 5e-3}


@pytest.fixture(scope="module")
def toy():
    return toy_features(d=16, n_features=32, samples=4000, mean_active=3.0, rng=1)


def test_topk_recovers_the_true_features_of_a_small_toy(toy):
    options = SaeOptions(architecture="topk", k=3, epochs=20, hidden_size=32, batch_size=100,
                         learning_rate=1e-2)  # fmt: skip
    result = train_sae(toy.data, options, features=toy.features)
    m = result.metrics
    assert m["mcc"] > 0.9, m
    assert m["explained_variance"] > 0.8, m
    assert m["l0"] <= 3.0 + 1e-12
    costs = [h["cost"] for h in result.history]
    assert costs[-1] < costs[0]
    W2 = result.theta[32 * 16 : 2 * 32 * 16].reshape(32, 16)  # decoder columns, as rows
    assert np.allclose(np.linalg.norm(W2, axis=1), 1.0, atol=1e-5)  # kept on the sphere


@pytest.mark.parametrize("architecture", ["notes", "relu-l1", "batchtopk", "jumprelu"])
def test_every_architecture_trains_and_reports_the_field_metrics(toy, architecture):
    result = train_sae(toy.data, SaeOptions(architecture=architecture, k=3, epochs=2, **SMALL),
                       features=toy.features, l0_coefficient=0.002)  # fmt: skip
    m = result.metrics
    names = {"l0", "l1", "mse", "explained_variance", "cossim", "l2_ratio", "dead_fraction",
             "feature_density", "mcc"}  # fmt: skip
    assert names <= set(m)
    assert np.isfinite([m[k] for k in names - {"feature_density"}]).all()
    if architecture != "notes":  # the sigmoid code learns slowly: 2 epochs are not enough
        assert m["explained_variance"] > 0.2, m
    costs = [h["cost"] for h in result.history]
    assert costs[-1] < costs[0]


def test_jumprelu_thresholds_move(toy):
    options = SaeOptions(architecture="jumprelu", epochs=2, initial_threshold=0.1, **SMALL)
    result = train_sae(toy.data, options, l0_coefficient=0.01)
    thresholds = np.exp(result.theta[-32:])
    assert not np.allclose(thresholds, 0.1)


def test_plain_l1_cheats_with_the_decoder_norms(toy):
    """Without decoder-norm weighting or a unit-norm decoder, the decoder columns grow."""
    common = {"architecture": "relu-l1", "epochs": 3, "l1_coefficient": 0.1, **SMALL}
    plain = train_sae(toy.data, SaeOptions(weight_by_decoder_norm=False, **common)).theta
    weighted = train_sae(toy.data, SaeOptions(**common)).theta

    def mean_norm(theta):
        return np.linalg.norm(theta[32 * 16 : 2 * 32 * 16].reshape(32, 16), axis=1).mean()

    assert mean_norm(plain) > 1.2 * mean_norm(weighted)


def test_auxk_revives_dead_latents():
    """Latents whose encoder rows start 50 times too short never win the top k: dead, and
    without AuxK they stay dead (no gradient reaches them through the code); AuxK brings
    them back through the residual."""
    toy = toy_features(d=16, n_features=32, samples=3000, mean_active=3.0, rng=2)
    options = SaeOptions(architecture="topk", k=3, epochs=4, dead_after=400, **SMALL)

    def dead_at_end(aux_coefficient):
        import ufldl_sae.beyond.saes.train as train_module

        original = train_module.initialize_sae

        def kill_half(data, hidden, architecture, **kw):
            theta = original(data, hidden, architecture, **kw)
            W1_T = theta[: hidden * data.shape[0]].reshape(data.shape[0], hidden)  # a view
            W1_T[:, : hidden // 2] *= 0.02
            return theta

        train_module.initialize_sae = kill_half
        try:
            result = train_sae(toy.data, options, aux_coefficient=aux_coefficient)
        finally:
            train_module.initialize_sae = original
        f, _ = encode(result.theta, result.options, toy.data.astype(np.float32))
        return float(np.mean(~np.any(f > 0, axis=1)))

    assert dead_at_end(0.0) >= 0.4
    assert dead_at_end(1.0) < 0.15


def test_budget_curve_rises_with_the_budget(toy):
    result = train_sae(toy.data, SaeOptions(architecture="topk", k=3, epochs=2, **SMALL))
    curve = budget_curve(result.theta, result.options, toy.data.astype(np.float32), [1, 2, 3])
    assert [c["l0"] for c in curve] == pytest.approx([1.0, 2.0, 3.0], abs=0.05)
    ev = [c["explained_variance"] for c in curve]
    assert ev[0] < ev[1] < ev[2]


def test_options_are_checked():
    with pytest.raises(ValueError, match="architecture must be one of"):
        SaeOptions(architecture="sigmoid")
    with pytest.raises(ValueError, match="k must be at most hidden_size"):
        SaeOptions(k=300)
    with pytest.raises(ValueError, match="batch_size must be at most"):
        train_sae(np.zeros((4, 10)), SaeOptions(hidden_size=4, k=2, batch_size=20))
    assert DeadLatents(4, 10).dead_fraction == 0.0


def test_toy_features_run_folder_from_the_cli(tmp_path, monkeypatch):
    from ufldl_sae.cli import main
    from ufldl_sae.runs import config as config_module

    monkeypatch.setitem(config_module.PRESETS, "toy-features",
                        {**config_module.PRESETS["toy-features"], "toy_samples": 3000})  # fmt: skip
    run = tmp_path / "toy"
    code = main(["train", "--preset", "toy-features", "--architecture", "batchtopk", "--k", "4",
                 "--max-iter", "1", "--hidden-size", "64", "--batch-size", "500",
                 "--progress-every", "0", "--out", str(run)])  # fmt: skip
    assert code == 0
    metrics = json.loads((run / "metrics.json").read_text())
    for name in ("l0", "l1", "mse", "explained_variance", "cossim", "l2_ratio",
                 "dead_fraction", "feature_density", "mcc"):  # fmt: skip
        assert name in metrics, name
    assert metrics["architecture"] == "batchtopk" and metrics["k"] == 4
    assert metrics["l0"] == pytest.approx(4.0, abs=0.01)
    config = json.loads((run / "config.json").read_text())
    assert config["architecture"] == "batchtopk" and config["toy_samples"] == 3000
    assert not {"lambda_", "patch_size", "num_images", "penalties"} & set(config)
    for name in ("tradeoff", "feature_density", "decoder_directions"):
        assert (run / f"{name}.png").stat().st_size > 5000, name
    for name in ("tradeoff", "feature_density", "decoder_directions"):
        (run / f"{name}.png").unlink()
    assert main(["show", str(run)]) == 0  # re-drawn from theta.npz and metrics.json
    for name in ("tradeoff", "feature_density", "decoder_directions"):
        assert (run / f"{name}.png").stat().st_size > 5000, name


def test_toy_features_run_trains_on_the_backend_config_json_records(tmp_path, monkeypatch):
    """``--backend`` is recorded in config.json, so the toy's samples must go there: the SAE
    sees array_api_strict arrays, and theta.npz still holds a host float64 theta."""
    pytest.importorskip("array_api_strict")
    from ufldl_sae.backend import array_namespace
    from ufldl_sae.beyond.saes import train as train_module
    from ufldl_sae.runs.config import RunConfig
    from ufldl_sae.runs.train import train_toy_run

    seen = []

    def spy(data, *args, **kwargs):
        seen.append(array_namespace(data))
        return real(data, *args, **kwargs)

    real = train_module.train_sae
    monkeypatch.setattr(train_module, "train_sae", spy)
    config = RunConfig.from_preset("toy-features", backend="array_api_strict", toy_samples=2000,
                                   max_iter=1, hidden_size=32, batch_size=500)  # fmt: skip
    metrics = train_toy_run(config, tmp_path / "toy", verbose=0)
    assert len(seen) == 1 and "array_api_strict" in seen[0].__name__
    assert json.loads((tmp_path / "toy" / "config.json").read_text())["backend"] == (
        "array_api_strict"
    )
    with np.load(tmp_path / "toy" / "theta.npz") as arrays:
        assert arrays["theta"].dtype == np.float64 and np.all(np.isfinite(arrays["theta"]))
    assert metrics["l0"] <= 5.0 + 1e-9


def test_toy_features_refuses_lbfgs(tmp_path):
    from ufldl_sae.runs.config import RunConfig
    from ufldl_sae.runs.train import train_toy_run

    config = RunConfig.from_preset("toy-features", solver="lbfgs", toy_samples=100)
    with pytest.raises(ValueError, match="solver must be 'adam'"):
        train_toy_run(config, tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("architecture", ["topk", "batchtopk", "relu-l1", "jumprelu"])
def test_training_is_the_same_on_array_api_strict_off_the_default_device(toy, architecture):
    """Written against the array API: the same epoch on array_api_strict, on a second
    (fake) device where any implicit host copy fails, gives NumPy's theta."""
    xs = pytest.importorskip("array_api_strict")
    options = SaeOptions(architecture=architecture, k=3, epochs=1, dtype="float64", **SMALL)
    ref = train_sae(toy.data[:, :1000], options)
    got = train_sae(xs.asarray(toy.data[:, :1000], device=xs.Device("device1")), options)
    assert got.theta.device == xs.Device("device1")
    np.testing.assert_allclose(np.asarray(xs.asarray(got.theta, device=xs.Device("CPU_DEVICE"))),
                               ref.theta, rtol=1e-9, atol=1e-12)  # fmt: skip
    assert got.metrics["mse"] == pytest.approx(ref.metrics["mse"], rel=1e-9)
