"""The figures of a training run, drawn from the trained estimator and the run's own files.

``weights.png`` (the W1 filters, when the input is a square image), ``loss.png`` (the cost and
its terms from ``history.csv`` and ``terms.csv``), ``reconstructions.png`` and
``activations.png``; with held-out data also the tutorials' ``codes.png``, ``codes_pca.png``
and ``errors.png``; a ``toy-features`` run draws its own three (:func:`draw_toy_figures`):
``tradeoff.png``, ``feature_density.png`` and ``decoder_directions.png``; a
``mnist-activations`` run (:func:`draw_activation_figures`) the first two, ``top_digits.png``
and ``decoder_pixels.png``. Each is written
through :class:`~ufldl_sae.runs.folder.RunFolder`, so a figure on disk is always complete.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..estimator import SparseAutoencoder
from ..plots import codes as tutorial_plots
from ..plots import network as visualize
from ..plots.figure import PLOT_FIGSIZE, add_caption, save_figure
from .config import RunConfig
from .folder import RunFolder

__all__ = [
    "choose_latents",
    "decoder_pixels_figure",
    "draw_activation_figures",
    "draw_figures",
    "draw_toy_figures",
    "held_out_errors",
    "top_digits_figure",
]


def draw_figures(
    run: RunFolder | str | os.PathLike[str],
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    report: dict[str, Any],
    test: tuple[np.ndarray, np.ndarray | None] | None = None,
    errors: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """weights.png, loss.png, reconstructions.png and activations.png; with held-out data
    also the tutorials' codes.png, codes_pca.png and errors.png.

    ``report`` is ``model.sparsity_report(data.T)``, computed once by the caller (its ``rho``
    is the KL target in force, None without one); ``test`` is
    :func:`~ufldl_sae.runs.inputs.prepare_test_data`'s result when the run has held-out
    examples, and ``errors`` :func:`held_out_errors`'s when the caller has them already.
    """
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    title = f"{config.preset}: {'-'.join(str(n) for n in model.layer_sizes_)}"
    square = _is_square(model.n_features_in_)
    if square:
        W1 = model.coefs_[0]
        look_for = "oriented edges" if config.preset.startswith("patches") else "pen strokes"
        folder.write("weights.png", lambda p: visualize.save_network(
            W1.T, p, title=f"W1 filters, {title}",
            caption=f"Each tile is one hidden unit's weights (a row of W1): look for {look_for}."))
    _draw_loss(folder, title + ("" if config.solver == "lbfgs" else " (x: epochs)"))
    shown = data if test is None else test[0]
    if square:
        folder.write("reconstructions.png", lambda p: visualize.plot_reconstructions(
            shown[:, :10], model.reconstruct(shown[:, :10].T).T, p))  # fmt: skip
    if model.model_.is_notes:
        folder.write("activations.png", lambda p: visualize.plot_activations(
            report["rho_hat"], report["rho"], p, fraction_active=report["fraction_active"]))
    else:  # one column whose mean is rho_hat: the report's, not a second encoding of the data
        rho_hat = report["rho_hat"][:, None]
        folder.write("activations.png", lambda p: tutorial_plots.plot_mean_activation_bars(
            rho_hat, report["rho"], p))  # fmt: skip
    if test is not None:
        _draw_test_figures(folder, model, test, *(errors or held_out_errors(model, data, test)))


def _draw_loss(folder: RunFolder, title: str) -> None:
    """The cost per iteration (``history.csv``) with the terms where they were measured."""
    history = folder.read_csv("history.csv")
    if not history["iteration"].size:
        return
    terms = folder.read_csv("terms.csv") if folder.exists("terms.csv") else None
    folder.write("loss.png", lambda p: visualize.plot_loss(
        history["iteration"],
        history["cost"],
        p,
        terms=None if terms is None else {
            "reconstruction": terms["reconstruction"],
            "weight penalties": terms["weight_decay"],
            "activation penalties": terms["sparsity"],
        },
        term_iterations=None if terms is None else terms["iteration"],
        title=f"cost, {title}",
    ))  # fmt: skip


def held_out_errors(
    model: SparseAutoencoder, data: np.ndarray, test: tuple[np.ndarray, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-example reconstruction errors on the held-out and on the training examples."""
    return model.reconstruction_errors(test[0].T), model.reconstruction_errors(data.T)


def _draw_test_figures(
    folder: RunFolder,
    model: SparseAutoencoder,
    test: tuple[np.ndarray, Any],
    errors: np.ndarray,
    train_errors: np.ndarray,
) -> None:
    """The tutorials' figures on held-out data: two raw code units, the codes' PCA (coloured
    by digit when labelled), and the reconstruction errors against uniform noise images, with
    the threshold that flags 1% of the training examples as anomalies."""
    X, labels = test
    codes = model.transform(X.T).T  # (code size, m)
    if codes.shape[0] >= 2:
        folder.write("codes.png", lambda p: tutorial_plots.plot_code_scatter(
            codes, p, labels=labels))  # fmt: skip
        folder.write("codes_pca.png", lambda p: tutorial_plots.plot_code_pca(
            codes, p, labels=labels))  # fmt: skip
    noise = np.random.default_rng(0).uniform(0, 1, (X.shape[1] // 10, X.shape[0]))
    threshold = tutorial_plots.anomaly_threshold(train_errors, 0.99)
    folder.write("errors.png", lambda p: tutorial_plots.plot_reconstruction_error_histogram(
        errors, p, other=model.reconstruction_errors(noise), label="test",
        other_label="uniform noise", threshold=threshold,
    ))  # fmt: skip


def _is_square(n: int) -> bool:
    return int(round(n**0.5)) ** 2 == n


def draw_toy_figures(
    run: RunFolder | str | os.PathLike[str],
    title: str,
    metrics: dict[str, Any],
    curve: list[dict[str, float]],
    matched: np.ndarray,
    probabilities: np.ndarray,
) -> None:
    """The figures of a ``toy-features`` run: the L0 / explained-variance trade-off
    (``curve``, :func:`~ufldl_sae.beyond.saes.train.budget_curve`), the feature-density
    histogram (``metrics["feature_density"]``) and each true feature's \\|cosine\\| with
    the decoder column matched to it (``matched``) against its firing probability."""
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    folder.write("tradeoff.png", lambda p: _tradeoff(
        p, title, metrics, curve, "The true data have about 5 features active per sample."))
    folder.write("feature_density.png", lambda p: _density(
        p, title, metrics, "The true features fire with Zipf-distributed probabilities, from "
        "about 0.16 down to 0.01."))  # fmt: skip
    folder.write("decoder_directions.png", lambda p: _directions(p, title, matched, probabilities))


def _tradeoff(
    path: Any, title: str, metrics: dict[str, Any], curve: list[dict[str, float]], note: str
) -> Any:
    fig = Figure(figsize=PLOT_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.plot([c["l0"] for c in curve], [c["explained_variance"] for c in curve], "o-",
            label="the model's code cut to its b largest")  # fmt: skip
    ax.plot([metrics["l0"]], [metrics["explained_variance"]], "r*", markersize=14,
            label="the model as trained")  # fmt: skip
    ax.set(xlabel="l0 (latents firing per sample)", ylabel="explained variance",
           title=f"L0 / explained variance, {title}")  # fmt: skip
    ax.legend(loc="lower right")
    add_caption(fig, f"Up and to the left is better: fewer latents for the same variance. {note}")
    return save_figure(fig, path)


def _density(path: Any, title: str, metrics: dict[str, Any], note: str) -> Any:
    density = metrics["feature_density"]
    fig = Figure(figsize=PLOT_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    edges, counts = density["log10_frequency_edges"], density["counts"]
    if counts:
        ax.stairs(counts, edges, fill=True)
    ax.set(xlabel="log10 firing frequency", ylabel="latents",
           title=f"feature density, {title}")  # fmt: skip
    add_caption(fig, f"{density['never_fired']} latents never fired (dead). {note}")
    return save_figure(fig, path)


def _directions(path: Any, title: str, matched: np.ndarray, probabilities: np.ndarray) -> Any:
    fig = Figure(figsize=PLOT_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.semilogx(probabilities, matched, ".")
    ax.set(
        xlabel="true feature's firing probability",
        ylabel="|cos| with matched latent",
        ylim=(0, 1.02),
        title=f"decoder directions against the true ones, {title}",
    )
    add_caption(fig, f"Each dot is a true feature; mcc = {float(np.mean(matched)):.3f} "
                "(Hungarian matching). Rare features are the hardest to recover.")  # fmt: skip
    return save_figure(fig, path)


# -- a sparse autoencoder on a real network's activations ---------------------------------------
def choose_latents(codes: np.ndarray, count: int = 12, least: int = 8) -> np.ndarray:
    """``count`` latents to look at, spread over the firing frequencies: of the latents that
    fire on at least ``least`` of the examples (so that each has that many top examples that
    really fire it), the most frequent, the rarest, and evenly spaced ranks between.

    Picking only the most frequent would show the latents that fire on everything, and those
    are the least specific; the spread shows what the dictionary holds from end to end.
    """
    fires = (codes > 0).sum(axis=1)
    eligible = np.flatnonzero(fires >= least)
    if eligible.size == 0:
        return eligible
    ranked = eligible[np.argsort(-fires[eligible], kind="stable")]
    picks = np.unique(np.linspace(0, ranked.size - 1, min(count, ranked.size)).round())
    return ranked[picks.astype(int)]


def top_digits_figure(
    codes: np.ndarray,
    images: np.ndarray,
    labels: np.ndarray | None,
    latents: np.ndarray,
    per_latent: int = 8,
    title: str = "",
) -> Figure:
    """One row per latent: the ``per_latent`` examples (784 x m images, column-major 28 x 28
    as ``loadMNISTImages.m``) whose code ``codes[j]`` is largest, strongest first, with the
    share of examples the latent fires on and the top examples' labels.

    The standard way to ask what a latent means when no true features are known: a latent
    whose top digits share a stroke or a class is one direction the network's layer uses.
    """
    side, rows, cols = 28, len(latents), per_latent
    mosaic = np.ones((rows * (side + 1) + 1, cols * (side + 1) + 1))
    names = []
    for r, j in enumerate(latents):
        top = np.argsort(-codes[j], kind="stable")[:per_latent]
        y = 1 + r * (side + 1)
        for c, i in enumerate(top):
            x = 1 + c * (side + 1)  # black ink on white: the digits as they are written
            mosaic[y : y + side, x : x + side] = 1 - images[:, i].reshape(side, side, order="F")
        shown = "" if labels is None else "\n" + "".join(str(int(labels[i])) for i in top)
        names.append(f"#{int(j)}, {np.mean(codes[j] > 0):.1%}{shown}")
    fig = Figure(figsize=(5.4, 0.55 * rows + 1.1), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    centers = [1 + r * (side + 1) + side / 2 for r in range(rows)]
    ax.set_yticks(centers, names, fontsize=7)
    ax.set_xticks([])
    ax.set_title(title or "top-activating digits per latent", fontsize=9)
    add_caption(fig, "Each row: one latent (its number, the share of digits it fires on, the "
                "labels of its top digits), its strongest digits left to right.")  # fmt: skip
    return fig


def decoder_pixels_figure(pixels: np.ndarray, latents: np.ndarray, title: str = "") -> Figure:
    """The chosen latents' decoder directions pushed back to pixels (784 x n, see
    :func:`~ufldl_sae.runs.activations_run.decoder_pixels`), each tile on its own scale."""
    fig = Figure(figsize=(6.2, 3.2), layout="constrained")
    ax = fig.add_subplot()
    cols = min(6, max(1, len(latents)))
    ax.imshow(visualize.display_network(pixels[:, latents], cols=cols), cmap="gray",
              vmin=-1, vmax=1, interpolation="nearest")  # fmt: skip
    ax.axis("off")
    ax.set_title(title or "decoder directions through the notes' decoder W2", fontsize=9)
    add_caption(fig, "Latents " + ", ".join(f"#{int(j)}" for j in latents) + " (row by row): "
                "W2 d_j, the change of the notes' output pre-activation per unit of latent j; "
                "light adds ink, dark removes it.")  # fmt: skip
    return fig


def draw_activation_figures(
    run: RunFolder | str | os.PathLike[str],
    title: str,
    metrics: dict[str, Any],
    codes: np.ndarray,
    images: np.ndarray,
    labels: np.ndarray | None,
    pixels: np.ndarray,
) -> np.ndarray:
    """The figures of a ``mnist-activations`` run, all on the held-out digits: the trade-off
    curve (``metrics["tradeoff"]``) with the model's point (``metrics["test"]``), the
    feature-density histogram, ``top_digits.png`` and ``decoder_pixels.png`` for the latents
    of :func:`choose_latents` (returned). ``codes`` is the SAE's code of those digits."""
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    test = metrics["test"]
    folder.write("tradeoff.png", lambda p: _tradeoff(
        p, title, test, metrics["tradeoff"], "Held-out digits; the network's layer has "
        f"{metrics['network_units']} units."))  # fmt: skip
    folder.write("feature_density.png", lambda p: _density(
        p, title, test, "Held-out digits; no true features are known here."))  # fmt: skip
    latents = choose_latents(codes)
    folder.write("top_digits.png", lambda p: save_figure(
        top_digits_figure(codes, images, labels, latents, title=f"top digits, {title}"), p))
    folder.write("decoder_pixels.png", lambda p: save_figure(
        decoder_pixels_figure(pixels, latents, title=f"decoder directions in pixels, {title}"),
        p))  # fmt: skip
    return latents
