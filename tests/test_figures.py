"""The figures of a short run, as drawn: their pixel sizes, and no text over text or over data.

Every figure of :mod:`ufldl_sae.plots` passes through ``save_figure`` of its module; the tests
wrap it to keep each :class:`~matplotlib.figure.Figure` of a run, draw it again through Agg and
measure every text box with the renderer (``Text.get_window_extent``): titles, labels, tick
labels, legends and captions must lie inside the figure, must not overlap one another, and must
not cover an axes' data area. The patches run draws the four figures of ``ufldl-sae train``; a
short MNIST run with held-out digits adds the codes, their PCA and the error histogram.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from ufldl_sae.plots import codes, errors, figure, network, training
from ufldl_sae.plots.figure import DPI, MIN_TILE_PX, PLOT_FIGSIZE
from ufldl_sae.plots.network import LINE_PX, MIN_MOSAIC_PX, TITLE_PX
from ufldl_sae.plots.training import reconstruction_figsize

#: Overlaps of at most this many pixels either way count as touching, not covering.
TOLERANCE_PX = 1.0
#: Sizes of the scatter plots of the codes, in pixels (width, height).
SCATTER_PX = tuple(round(side * DPI) for side in codes.SCATTER_FIGSIZE)


# --- measuring a drawn figure ---------------------------------------------------------------------


def _overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOLERANCE_PX and height > TOLERANCE_PX


def _draw_and_collect_texts(fig: Figure) -> tuple[object, list[tuple[str, Bbox]]]:
    """Draw ``fig`` through Agg; every text actually drawn, non-empty, with its box in pixels.

    ``Text.draw`` is wrapped for the duration of the drawing, so hidden artists (the tick
    labels of an axes drawn without axis, ticks outside the view limits) are never counted.
    """
    drawn: list[Text] = []
    original = Text.draw

    def record(self: Text, renderer) -> None:
        original(self, renderer)
        if self.get_visible() and self.get_text().strip() and self not in drawn:
            drawn.append(self)

    canvas = FigureCanvasAgg(fig)
    Text.draw = record
    try:
        canvas.draw()
    finally:
        Text.draw = original
    renderer = canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in drawn]
    return renderer, [(label, box) for label, box in boxes if box.width > 0 and box.height > 0]


def layout_problems(fig: Figure) -> list[str]:
    """What is wrong with the layout of ``fig`` once drawn: texts outside the figure, texts
    overlapping one another, and texts or legends covering an axes' data area."""
    renderer, texts = _draw_and_collect_texts(fig)
    page = fig.bbox
    areas = [ax.get_window_extent(renderer) for ax in fig.axes if ax.axison or ax.images]
    legends = [legend.get_window_extent(renderer) for legend in fig.findobj(Legend)]
    problems = []
    for label, box in texts:
        if (
            box.x0 < page.x0 - TOLERANCE_PX
            or box.x1 > page.x1 + TOLERANCE_PX
            or box.y0 < page.y0 - TOLERANCE_PX
            or box.y1 > page.y1 + TOLERANCE_PX
        ):
            problems.append(f"text {label!r} runs out of the figure: {box.bounds}")
        problems += [
            f"text {label!r} covers the data area {area.bounds}"
            for area in areas
            if _overlap(box, area)
        ]
    for i, (label, box) in enumerate(texts):
        for other, other_box in texts[i + 1 :]:
            if _overlap(box, other_box):
                problems.append(f"text {label!r} overlaps text {other!r}")
    for legend in legends:
        covered = [area for area in areas if _overlap(legend, area)]
        problems += [f"a legend covers the data area {area.bounds}" for area in covered]
    return problems


# --- a short run, with every figure kept ---------------------------------------------------------


def _record_figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, Figure]:
    """Wrap ``save_figure`` in every plots module: each saved figure is kept by file name."""
    kept: dict[str, Figure] = {}
    original = figure.save_figure

    def keep(fig: Figure, path: Path) -> Path:
        # the run folder writes each file under a temporary name, then renames it
        name = Path(path).name
        temporary = re.fullmatch(r"\.(.+)\.tmp[0-9a-f]+(\.\w+)", name)
        kept["".join(temporary.groups()) if temporary else name] = fig
        return original(fig, path)

    for module in (figure, network, training, codes, errors):
        if hasattr(module, "save_figure"):
            monkeypatch.setattr(module, "save_figure", keep)
    return kept


def _pixels(path: Path) -> tuple[int, int]:
    """(width, height) of the PNG at ``path``."""
    image = mpimg.imread(path)
    return image.shape[1], image.shape[0]


@pytest.fixture(scope="module")
def patches_run(tmp_path_factory) -> tuple[Path, dict[str, Figure]]:
    from ufldl_sae.cli import main

    run = tmp_path_factory.mktemp("figures") / "patches"
    with pytest.MonkeyPatch.context() as monkeypatch:
        kept = _record_figures(monkeypatch)
        argv = ["train", "--max-iter", "8", "--num-patches", "400", "--progress-every", "0"]
        assert main([*argv, "--out", str(run)]) == 0
    return run, kept


RUN_FIGURES = ["weights.png", "loss.png", "reconstructions.png", "activations.png"]


def test_the_run_draws_its_four_figures(patches_run) -> None:
    run, kept = patches_run
    assert sorted(kept) == sorted(RUN_FIGURES)
    for name in RUN_FIGURES:
        assert (run / name).exists(), name


def test_filters_are_at_least_forty_pixels_across(patches_run) -> None:
    run, _ = patches_run
    width, height = _pixels(run / "weights.png")
    mosaic = network.display_network(np.zeros((64, 25)))  # 25 filters of 8 x 8: 46 x 46 pixels
    scale = width // mosaic.shape[1]
    assert width == scale * mosaic.shape[1] >= MIN_MOSAIC_PX
    assert scale * 8 >= MIN_TILE_PX, f"an 8 x 8 filter is {scale * 8} pixels across"
    strips = height - scale * mosaic.shape[0] - TITLE_PX  # the run gives a one-line title
    captions = [0] + [TITLE_PX + lines * LINE_PX for lines in range(3)]  # and maybe a caption
    assert strips in captions, f"{height - scale * mosaic.shape[0]} pixels of title and caption"


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("loss.png", tuple(round(side * DPI) for side in PLOT_FIGSIZE)),
        ("activations.png", tuple(round(side * DPI) for side in PLOT_FIGSIZE)),
        ("reconstructions.png", tuple(round(side * DPI) for side in reconstruction_figsize(10))),
    ],
)
def test_plot_sizes(patches_run, name: str, size: tuple[int, int]) -> None:
    run, _ = patches_run
    assert _pixels(run / name) == size


@pytest.mark.parametrize("name", RUN_FIGURES)
def test_no_text_covers_text_or_data(patches_run, name: str) -> None:
    _, kept = patches_run
    assert layout_problems(kept[name]) == []


def test_reconstructions_show_each_pair_on_its_own_scale(patches_run) -> None:
    """Row 2 of a faint reconstruction is drawn on its pair's scale and row 3 stretched: the
    stretched row spans the whole grey range, so a flat-looking a3 still shows its edges."""
    _, kept = patches_run
    fig = kept["reconstructions.png"]
    rows = np.array(fig.axes).reshape(3, -1)
    for column in rows.T:
        x_limits = column[0].images[0].get_clim()
        assert column[1].images[0].get_clim() == x_limits  # a3 on the scale of x
        stretched = column[2].images[0]
        data = np.asarray(stretched.get_array())
        assert stretched.get_clim() == pytest.approx((data.min(), data.max()))


def test_every_run_figure_has_a_caption_or_title(patches_run) -> None:
    _, kept = patches_run
    for name in ("loss.png", "reconstructions.png", "activations.png"):
        caption = kept[name]._supxlabel  # the caption: constrained layout's supxlabel
        assert caption is not None and caption.get_text().startswith(("Look for", "Each")), name
    assert kept["weights.png"].texts[0].get_text().startswith("W1")


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory, mnist_dir: Path) -> tuple[Path, dict[str, Figure]]:
    from ufldl_sae.cli import main

    run = tmp_path_factory.mktemp("figures") / "mnist"
    with pytest.MonkeyPatch.context() as monkeypatch:
        kept = _record_figures(monkeypatch)
        argv = ["train", "--preset", "mnist", "--mnist-dir", str(mnist_dir), "--num-images",
                "600", "--test-examples", "200", "--hidden-size", "16", "--max-iter", "3",
                "--progress-every", "0", "--out", str(run)]  # fmt: skip
        assert main(argv) == 0
    return run, kept


@pytest.fixture(scope="module")
def mnist_dir() -> Path:  # the conftest's, at module scope for the module-scoped run
    from conftest import MNIST_DIR

    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {MNIST_DIR} (set UFLDL_SAE_TEST_MNIST)")
    return MNIST_DIR


@pytest.mark.parametrize(
    ("name", "size"),
    [("codes.png", SCATTER_PX), ("codes_pca.png", SCATTER_PX), ("errors.png", None),
     ("weights.png", None), ("reconstructions.png", None)],
)  # fmt: skip
def test_mnist_run_figures(mnist_run, name: str, size: tuple[int, int] | None) -> None:
    run, kept = mnist_run
    assert layout_problems(kept[name]) == []
    if size is not None:
        assert _pixels(run / name) == size
    if name == "weights.png":  # 16 digits' filters of 28 x 28, each at least 40 pixels
        width, _ = _pixels(run / name)
        assert (width // network.display_network(np.zeros((784, 16))).shape[1]) * 28 >= 40


# --- the checker itself can fail ------------------------------------------------------------------


def test_checker_sees_an_annotation_on_the_data() -> None:
    fig = Figure(figsize=(4, 3), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.bar(range(5), [1, 2, 3, 2, 1])
    ax.text(0.05, 0.9, "activations > 0.1: 1.8%", transform=ax.transAxes)
    ax.legend(["rho_hat"], loc="upper right")
    problems = layout_problems(fig)
    assert any("1.8%" in p and "data area" in p for p in problems), problems
    assert any("legend covers" in p for p in problems), problems


def test_checker_sees_a_title_cut_at_both_ends_and_texts_on_texts() -> None:
    fig = Figure(figsize=(1.84, 2.08), dpi=DPI)  # the old 184 x 208 weights.png
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.88))
    ax.imshow(np.zeros((4, 4)))
    ax.set_axis_off()
    fig.text(0.5, 0.94, "W1 filters, patches: 64-25-64 and more words", ha="center")
    fig.text(0.5, 0.94, "a second line on the first", ha="center")
    problems = layout_problems(fig)
    assert any("runs out of the figure" in p for p in problems), problems
    assert any("overlaps text" in p for p in problems), problems


def test_checker_passes_a_clean_figure() -> None:
    fig = Figure(figsize=(6, 4), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 3, 2], label="cost")
    ax.set_xlabel("iteration")
    figure.legend_outside(fig, ax)
    figure.add_caption(fig, "Look for: a curve.")
    assert layout_problems(fig) == []


def test_mosaic_title_and_caption_wrap_to_its_width(tmp_path: Path, monkeypatch) -> None:
    kept = _record_figures(monkeypatch)
    W1 = np.random.default_rng(0).normal(size=(25, 64))  # 25 filters of 8 x 8
    title = "W1 filters, patches: 64-25-64, after 400 L-BFGS iterations with the course's settings"
    caption = "Each tile is one hidden unit's weights (a row of W1): look for oriented edges."
    path = network.save_network(W1.T, tmp_path / "w.png", title=title, caption=caption)
    assert layout_problems(kept["w.png"]) == []
    width, height = _pixels(path)
    assert width == 11 * 46  # at least MIN_MOSAIC_PX wide: 11 screen pixels per mosaic pixel
    wrapped = [text.get_text().count("\n") for text in kept["w.png"].texts]
    assert wrapped[0] >= 1 and wrapped[1] >= 1, "both are longer than one line at 506 pixels"
    assert height == 11 * 46 + sum(TITLE_PX + lines * LINE_PX for lines in wrapped)
