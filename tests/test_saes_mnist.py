"""The sparse autoencoders on a real network's activations: the hidden layer of the notes' MNIST
autoencoder (``ufldl_sae.runs.mnist_activations``) and the ``mnist-activations`` preset."""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pytest

from ufldl_sae.cli import main
from ufldl_sae.runs.activations_run import decoder_pixels
from ufldl_sae.runs.config import RunConfig
from ufldl_sae.runs.figures import choose_latents
from ufldl_sae.runs.folder import write_json
from ufldl_sae.runs.mnist_activations import encoder_from_run, mnist_activations

NAMES = ("l0", "l1", "mse", "explained_variance", "cossim", "l2_ratio", "dead_fraction",
         "feature_density")  # fmt: skip
FIGURES = ("tradeoff", "feature_density", "top_digits", "decoder_pixels")
#: A tiny network and SAE: a few seconds in all.
TINY = ["--encoder-images", "300", "--encoder-iter", "4", "--num-images", "1500",
        "--test-examples", "300", "--hidden-size", "48", "--k", "6", "--max-iter", "2",
        "--progress-every", "0"]  # fmt: skip


def _digits(path, count):
    """The first ``count`` digits of an IDX file, read here without the package: 784 x count in
    [0, 1], each image flattened column-major as ``loadMNISTImages.m`` does."""
    raw = np.frombuffer(gzip.open(path).read(), dtype=np.uint8, offset=16)
    images = raw.reshape(-1, 28, 28)[:count]
    return images.transpose(0, 2, 1).reshape(count, 784).T / 255.0


def _labels(path, count):
    return np.frombuffer(gzip.open(path).read(), dtype=np.uint8, offset=8)[:count]


def _sigmoid_layer(theta, hidden, x):
    """a2 from theta's layout [W1(:); W2(:); b1; b2], W1 hidden x 784 stored column-major."""
    W1 = theta[: hidden * 784].reshape(hidden, 784, order="F")
    b1 = theta[2 * hidden * 784 : 2 * hidden * 784 + hidden]
    return 1.0 / (1.0 + np.exp(-(W1 @ x + b1[:, None])))


def test_the_activations_are_the_notes_hidden_layer(mnist_dir):
    acts = mnist_activations(mnist_dir=mnist_dir, num_images=40, test_examples=25,
                             encoder_images=200, encoder_iter=3)  # fmt: skip
    assert acts.train.shape == (196, 40) and acts.test.shape == (196, 25)
    assert acts.train_images.shape == (784, 40) and acts.test_images.shape == (784, 25)
    assert acts.encoder["source"] == "trained" and acts.encoder["images"] == 200
    train = _digits(mnist_dir / "train-images-idx3-ubyte.gz", 40)
    test = _digits(mnist_dir / "t10k-images-idx3-ubyte.gz", 25)
    np.testing.assert_allclose(acts.train_images, train, rtol=0, atol=1e-15)
    np.testing.assert_allclose(acts.train, _sigmoid_layer(acts.theta, 196, train), rtol=1e-12)
    np.testing.assert_allclose(acts.test, _sigmoid_layer(acts.theta, 196, test), rtol=1e-12)
    np.testing.assert_array_equal(acts.train_labels,
                                  _labels(mnist_dir / "train-labels-idx1-ubyte.gz", 40))
    np.testing.assert_array_equal(acts.test_labels,
                                  _labels(mnist_dir / "t10k-labels-idx1-ubyte.gz", 25))
    assert 0.0 < acts.train.min() and acts.train.max() < 1.0  # sigmoid units, never exactly 0
    assert acts.W1.shape == (196, 784) and acts.W2.shape == (784, 196)


def test_decoder_pixels_is_the_notes_decoder_times_the_dictionary():
    rng = np.random.default_rng(0)
    hidden, latents = 5, 7
    network = rng.standard_normal(2 * 784 * hidden + hidden + 784)
    sae = rng.standard_normal(2 * hidden * latents + latents + hidden)
    options = RunConfig.from_preset("mnist-activations", hidden_size=latents, k=2)
    from ufldl_sae.runs.activations_run import sae_options

    got = decoder_pixels(sae, sae_options(options), network)
    W2 = network[784 * hidden : 2 * 784 * hidden].reshape(784, hidden, order="F")
    D = sae[hidden * latents : 2 * hidden * latents].reshape(hidden, latents, order="F")
    np.testing.assert_allclose(got, W2 @ D, rtol=1e-12)


def test_choose_latents_spreads_over_the_frequencies():
    fires = np.array([0, 3, 50, 10, 40, 20, 30, 9])  # latent j fires on fires[j] of 60 examples
    codes = (np.arange(60)[None, :] < fires[:, None]).astype(float)
    assert choose_latents(codes, count=3, least=8).tolist() == [2, 6, 7]  # 50, 30, 9 firings
    assert choose_latents(codes, count=20, least=8).tolist() == [2, 4, 6, 5, 3, 7]
    assert choose_latents(codes, count=3, least=60).size == 0


def test_the_preset_end_to_end_from_the_command_line(tmp_path, mnist_dir, capsys):
    run = tmp_path / "acts"
    argv = ["train", "--preset", "mnist-activations", "--architecture", "topk",
            "--mnist-dir", str(mnist_dir), *TINY, "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "topk (k 6) on test activations: l0 6.00" in out
    metrics = json.loads((run / "metrics.json").read_text())
    for where in (metrics, metrics["test"]):
        for name in NAMES:
            assert name in where, name
        assert all(math.isfinite(where[n]) for n in NAMES if n != "feature_density")
        assert "mcc" not in where  # no true features here
    assert metrics["examples"] == 1500 and metrics["test_examples"] == 300
    assert metrics["test"]["l0"] == pytest.approx(6.0) and metrics["k"] == 6
    assert 0.0 < metrics["test"]["explained_variance"] < 1.0
    assert metrics["network"]["source"] == "trained" and metrics["network"]["iterations"] == 4
    curve = metrics["tradeoff"]
    assert [c["budget"] for c in curve][:3] == [1, 2, 4]
    assert curve[0]["explained_variance"] < curve[2]["explained_variance"]
    config = json.loads((run / "config.json").read_text())
    assert config["data"] == "mnist-activations" and config["encoder_iter"] == 4
    assert not {"lambda_", "toy_samples", "patch_size", "penalties"} & set(config)
    arrays = np.load(run / "theta.npz", allow_pickle=False)
    assert arrays["theta"].shape == (2 * 196 * 48 + 48 + 196,)
    assert arrays["encoder_theta"].shape == (2 * 784 * 196 + 196 + 784,)
    history = (run / "history.csv").read_text().splitlines()
    assert history[0] == "epoch,cost,dead_fraction" and len(history) == 3
    for name in FIGURES:
        path = run / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000, name
        path.unlink()
    assert main(["show", str(run)]) == 0  # re-drawn from theta.npz, metrics.json and MNIST
    for name in FIGURES:
        assert (run / f"{name}.png").stat().st_size > 5000, name


@pytest.mark.filterwarnings("ignore:X has 200 samples")  # a tiny run of the notes' model
def test_the_network_can_come_from_a_finished_mnist_run(tmp_path, mnist_dir):
    notes = tmp_path / "notes"
    assert main(["train", "--preset", "mnist", "--mnist-dir", str(mnist_dir), "--num-images",
                 "200", "--hidden-size", "16", "--max-iter", "2", "--progress-every", "0",
                 "--out", str(notes)]) == 0  # fmt: skip
    theta, hidden = encoder_from_run(notes)
    assert hidden == 16 and theta.shape == (2 * 784 * 16 + 16 + 784,)
    acts = mnist_activations(mnist_dir=mnist_dir, encoder_run=notes, num_images=30,
                             test_examples=10)  # fmt: skip
    assert acts.train.shape == (16, 30) and acts.encoder == {"source": "run", "run": str(notes)}
    digits = _digits(mnist_dir / "train-images-idx3-ubyte.gz", 30)
    np.testing.assert_allclose(acts.train, _sigmoid_layer(theta, 16, digits), rtol=1e-12)
    run = tmp_path / "acts"
    assert main(["train", "--preset", "mnist-activations", "--architecture", "jumprelu",
                 "--mnist-dir", str(mnist_dir), *TINY, "--encoder-run", str(notes),
                 "--out", str(run)]) == 0  # fmt: skip
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["network_units"] == 16 and metrics["network"]["run"] == str(notes)
    config = json.loads((run / "config.json").read_text())
    assert "k" not in metrics and "encoder_iter" not in config and config["encoder_run"]


def _refused(argv, capsys, tmp_path):
    run = tmp_path / "refused"
    assert main(["train", "--preset", "mnist-activations", *TINY, *argv, "--out", str(run)]) == 2
    assert not run.exists()  # nothing is created when the input is wrong
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_refusals_name_the_value_and_what_is_expected(tmp_path, capsys, monkeypatch):
    assert "k must be at most hidden_size=48, got 60" in _refused(["--k", "60"], capsys, tmp_path)
    assert "/no/such/mnist" in _refused(["--mnist-dir", "/no/such/mnist"], capsys, tmp_path)
    assert "solver must be 'adam'" in _refused(["--solver", "lbfgs"], capsys, tmp_path)
    assert "config.json is missing" in _refused(["--encoder-run", str(tmp_path / "none")], capsys,
                                                tmp_path)  # fmt: skip
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    write_json(unfinished / "config.json", RunConfig.from_preset("mnist").record())
    assert "has no theta.npz" in _refused(["--encoder-run", str(unfinished)], capsys, tmp_path)
    toy = tmp_path / "toy"
    toy.mkdir()
    write_json(toy / "config.json", RunConfig.from_preset("toy-features").record())
    err = _refused(["--encoder-run", str(toy)], capsys, tmp_path)
    assert "must be a run of the notes' sparse autoencoder on MNIST" in err
    cost = tmp_path / "cost.py"
    cost.write_text("def cost(*args):\n    return 0.0, None\n")
    assert "--resume and --cost do not apply" in _refused(["--cost", str(cost)], capsys, tmp_path)

    import ufldl_sae.data as data_layer

    def offline(*args, **kwargs):
        raise data_layer.MnistDownloadError("no mirror answered")

    monkeypatch.setattr(data_layer, "fetch_mnist", offline)
    err = _refused([], capsys, tmp_path)
    assert "no mirror answered" in err and "pass their folder with --mnist-dir DIR" in err
