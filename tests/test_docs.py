"""The documentation site builds, warning-free, with its pages, figures and equations.

The site is built as ``.ci/docs`` and ``docs/rebuild.md`` build it (``python -m sphinx -W
--keep-going -b html docs OUT``), into a temporary folder: the committed notebooks are rendered
without being run, every warning is an error, so a broken cross-reference, a missing image or a
docstring numpydoc cannot parse fails here. The `test` extra brings the tools; without them the
tests skip and say which one is missing.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest
from conftest import REPO

TOOLS = {"sphinx": "sphinx", "myst_nb": "myst-nb", "numpydoc": "numpydoc",
         "pydata_sphinx_theme": "pydata-sphinx-theme"}  # fmt: skip
MISSING = [pip for module, pip in TOOLS.items() if importlib.util.find_spec(module) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"documentation tools not installed: {', '.join(MISSING)} "
    "(python -m pip install -e '.[docs]', or the test extra)",
)

#: Seconds the build may take on CI's two cores; it took about 20 s there (notebooks not run).
BUILD_SECONDS = 180
NOTEBOOKS = sorted(path.stem for path in (REPO / "notebooks").glob("0[0-9]_*.ipynb"))


def sphinx(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The documented build command, with the doctrees kept out of the output folder."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", *extra,
               "-d", str(out.parent / f"{out.name}-doctrees"), str(source), str(out)]  # fmt: skip
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "html"
    start = time.perf_counter()
    result = sphinx(REPO / "docs", out)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert "build succeeded" in result.stdout
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    assert seconds < BUILD_SECONDS, f"the site took {seconds:.0f} s to build"
    return out


def page(site: Path, name: str) -> str:
    path = site / f"{name}.html"
    assert path.is_file(), f"{name}.html was not built"
    return path.read_text(encoding="utf-8")


def text(html: str) -> str:
    """The words of a page: tags removed (syntax highlighting splits code into spans)."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_home_page_links_every_section(site: Path) -> None:
    html = page(site, "index")
    for name in ("getting_started", "notes", "coursework", "cli", "api", "performance",
                 "rebuild"):  # fmt: skip
        assert f'href="{name}.html"' in html, name
        page(site, name)


def test_every_image_of_every_page_exists(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30  # the sections, seven notebooks, one page per module
    images = 0
    for path in pages:
        for src in re.findall(r'<img [^>]*src="([^"]+)"', path.read_text(encoding="utf-8")):
            if not src.startswith(("http:", "https:", "data:")):
                assert (path.parent / src).is_file(), f"{path.name}: {src}"
                images += 1
    assert images > 20


def test_getting_started_shows_the_four_run_figures(site: Path) -> None:
    html = page(site, "getting_started")
    for name in ("weights", "loss", "reconstructions", "activations"):
        assert re.search(rf'<img [^>]*src="_images/{name}\.png"', html), name
    assert "ufldl-sae train" in text(html) and "python -m pytest" in text(html)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_is_a_page_with_its_outputs(site: Path, notebook: str) -> None:
    html = page(site, f"notebooks/{notebook}")
    assert 'class="cell_output' in html, "the committed outputs are rendered"
    assert 'class="math notranslate nohighlight"' in html, "the notes' equations, for MathJax"
    assert f'href="notebooks/{notebook}.html"' in page(site, "notes")


def test_notebook_pages_render_figures_and_equations(site: Path) -> None:
    html = page(site, "notebooks/04_natural_images_to_edge_detectors")
    assert re.search(r'<img [^>]*src="\.\./_images/[^"]+\.png"', html)
    assert re.search(r'class="math notranslate nohighlight">', html)


def test_api_pages_come_from_the_package(site: Path) -> None:
    html = page(site, "_generated/api/ufldl_sae.model")
    assert 'id="ufldl_sae.model.sparse_autoencoder_cost"' in html
    assert re.search(r'<span class="math notranslate nohighlight">\\\(', html), "inline math"
    index = page(site, "_generated/api/index")
    for module in ("ufldl_sae.model", "ufldl_sae.plots.network", "ufldl_sae.coursework.mistakes"):
        assert f'href="{module}.html"' in index, module
    network = page(site, "_generated/api/ufldl_sae.plots.network")
    assert 'id="ufldl_sae.plots.network.save_network"' in network
    assert "Parameters" in network  # numpydoc's sections


def test_coursework_page_lists_every_mistake_code(site: Path) -> None:
    from ufldl_sae.coursework.mistakes import MISTAKES

    words = text(page(site, "coursework"))
    for code, mistake in MISTAKES.items():
        assert f"{code}{mistake.title}" in words, code
    for command in ("exercise init", "--json", "--time-limit", "theta.mat"):
        assert command in words, command


def test_cli_page_has_the_help_of_every_subcommand(site: Path) -> None:
    from ufldl_sae.cli import build_parser

    html = text(page(site, "cli"))
    subparsers = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    for name in subparsers.choices:
        assert f"ufldl-sae {name}" in html, name


def test_performance_page_includes_the_benchmarks(site: Path) -> None:
    words = text(page(site, "performance"))
    first_heading = (REPO / "BENCHMARKS.md").read_text(encoding="utf-8").splitlines()[0][2:]
    assert first_heading in words


def test_a_broken_reference_or_a_missing_image_fails_the_build(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "index.md").write_text(
        "# A page\n\nSee {doc}`no-such-page`.\n\n![a figure](no-such-figure.png)\n",
        encoding="utf-8",
    )
    result = sphinx(source, tmp_path / "html", "-c", str(REPO / "docs"))
    assert result.returncode != 0
    assert "no-such-page" in result.stderr and "no-such-figure.png" in result.stderr
