"""Training a run: one estimator, its per-iteration checkpoints, and the artifacts at the end.

:func:`train_run` builds the one :class:`~ufldl_sae.estimator.SparseAutoencoder` of a run
(:func:`model_for`) and lets its ``fit`` check every parameter, once. The run folder is created
by the first write after that check (the first iteration's history line), so a refused value
leaves nothing on disk; :func:`show_run` re-draws a finished run from its files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import to_host
from ..beyond.deep import deep_theta_size
from ..estimator import SparseAutoencoder
from ..estimator.training import device_columns
from ..optimize import IterationRecord, NonFiniteError
from .config import TUTORIAL_NOTES, RunConfig, read_config
from .figures import draw_figures, draw_toy_figures, held_out_errors
from .folder import RunFolder, versions
from .inputs import prepare_data, prepare_test_data
from .preflight import check_memory, check_test_examples, estimate_memory
from .resume import load_checkpoint

__all__ = [
    "HISTORY_FIELDS",
    "TERM_FIELDS",
    "Checkpointer",
    "RunFailedError",
    "load_checkpoint",
    "model_for",
    "show_run",
    "train_run",
    "train_toy_run",
    "write_results",
]

HISTORY_FIELDS = ("iteration", "cost", "grad_norm", "evaluations", "elapsed")
TERM_FIELDS = ("iteration", "reconstruction", "weight_decay", "sparsity")


def model_for(config: RunConfig, max_iter: int, verbose: int) -> SparseAutoencoder:
    """The estimator a run trains: the notes' model unless the config reaches past it.

    Nothing is checked here: the estimator's ``fit`` (or ``check_params``) does it.
    """
    hidden = config.hidden_layer_sizes
    return SparseAutoencoder(
        hidden_size=config.hidden_size,
        sparsity_param=config.sparsity_param,
        lambda_=config.lambda_,
        beta=config.beta,
        max_iter=max_iter,
        backend=config.backend,
        dtype=config.dtype,
        random_state=np.random.default_rng([config.seed, 1]),
        verbose=verbose,
        hidden_layer_sizes=None if hidden is None else tuple(hidden),
        activation=config.activation,
        output_activation=config.output_activation,
        penalties=config.penalties,
        solver=config.solver,
        learning_rate=config.learning_rate,
        batch_size=config.batch_size,
    )


class Checkpointer:
    """The per-iteration callback of a run: history lines, and theta every few iterations.

    ``offset`` and ``offset_time`` are the iterations and seconds of the run before this
    session (a resumed run continues its numbering and its clock). The last theta seen is
    kept (``last_theta``), so that a run that fails part-way can still write it.
    """

    def __init__(
        self, run: RunFolder | str | os.PathLike[str], offset: int, every: int, offset_time: float
    ) -> None:
        self.run = run if isinstance(run, RunFolder) else RunFolder(run)
        self.offset, self.every, self.offset_time = offset, every, offset_time
        self.history = self.run.log("history.csv", HISTORY_FIELDS)
        self.count, self.evaluations = 0, 0
        self.last_theta: np.ndarray | None = None

    def __call__(self, record: IterationRecord, theta: np.ndarray) -> None:
        iteration = record.iteration + self.offset
        self.count, self.evaluations, self.last_theta = record.iteration, record.evaluations, theta
        self.history.append(
            [iteration, repr(record.cost), repr(record.grad_norm), record.evaluations,
             f"{record.elapsed + self.offset_time:.4f}"]
        )  # fmt: skip
        if iteration % self.every == 0:
            self.save(theta, iteration, record.elapsed + self.offset_time)

    def save(self, theta: np.ndarray, iteration: int, elapsed: float) -> None:
        self.run.write_arrays("checkpoint.npz", theta=theta, iteration=iteration, elapsed=elapsed)

    def close(self) -> None:
        self.history.close()


class RunFailedError(RuntimeError):
    """A run failed before learning anything worth writing; the command line exits with 1."""

    exit_status = 1


def _advice(error: BaseException) -> str:
    """What to do after a failure part-way, by its kind."""
    if isinstance(error, NonFiniteError):
        return ("a smaller --beta, --lambda or --learning-rate keeps the cost finite; a --cost "
                "of your own may return NaN (ufldl-sae check FILE)")  # fmt: skip
    if isinstance(error, MemoryError):
        return "use fewer examples (--num-patches, --num-images) or fewer hidden units"
    return "rerun with --debug for the traceback"


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if isinstance(error, NonFiniteError) else f"{type(error).__name__}: {text}"


def train_run(
    config: RunConfig,
    run: str | os.PathLike[str],
    *,
    verbose: int = 1,
    resume: bool = False,
    cost_function: Callable[..., Any] | None = None,
    data: np.ndarray | None = None,
    test: tuple[np.ndarray, np.ndarray | None] | None = None,
    on_start: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Train (or continue) the run in ``run``; write every artifact; return the metrics.

    Everything is checked before anything is created: the model's values (the estimator's
    ``check_params``), the held-out examples (loaded now, ``test`` if the caller has them),
    the memory one evaluation needs against what is free
    (:mod:`~ufldl_sae.runs.preflight`) and, on ``resume``, the checkpoint
    (:func:`~ufldl_sae.runs.resume.load_checkpoint`). ``run`` is created on the first write if
    it does not exist (it must be new or empty, see
    :func:`~ufldl_sae.runs.folder.choose_run_dir`, unless ``resume``), and locked while the run
    writes it. ``data`` is :func:`~ufldl_sae.runs.inputs.prepare_data`'s result when the caller
    already has it; ``on_start()`` is called once everything is checked, before training.

    Ctrl-C stops within one evaluation: the best theta so far and all artifacts are written and
    the metrics say ``"interrupted": true``. A failure part-way (a non-finite cost, running out
    of memory) does the same with ``"status": "failed"`` and its ``reason``; when nothing was
    learned yet, :class:`RunFailedError`. ``max_iter`` counts epochs for the minibatch solvers;
    resuming one restarts Adam's moment estimates (only theta is checkpointed).
    """
    if data is None:
        data = prepare_data(config)
    check_test_examples(config)
    if test is None and config.test_examples:
        test = prepare_test_data(config)
    visible = data.shape[0]
    model = model_for(config, config.max_iter, verbose)
    sizes = model.check_params().layer_sizes(visible)  # fit reuses this validation
    check_memory(estimate_memory(config, sizes, data.shape[1]))
    folder = RunFolder(run) if resume else RunFolder(run, config=config.record(), lock=True)
    try:
        return _train(folder, config, model, data, test, sizes, resume, cost_function, on_start)
    finally:
        folder.unlock()


def _train(
    folder: RunFolder,
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    test: tuple[np.ndarray, np.ndarray | None] | None,
    sizes: tuple[int, ...],
    resume: bool,
    cost_function: Callable[..., Any] | None,
    on_start: Callable[[], Any] | None,
) -> dict[str, Any]:
    """:func:`train_run` once everything is checked: the folder's lock is held by the caller."""
    run = folder.path
    theta0, done, elapsed = None, 0, 0.0
    if resume:
        folder.lock()
        theta0, done, elapsed = load_checkpoint(folder, theta_size=deep_theta_size(sizes))
    remaining = config.max_iter - done
    if remaining < 1:
        raise ValueError(
            f"{run} already ran {done} of its {config.max_iter} iterations; pass --max-iter N "
            f"with N > {done} to continue it"
        )
    model.set_params(max_iter=remaining)
    if resume:  # the flags applied and the new max_iter are recorded; rows past the checkpoint go
        folder.write_json("config.json", config.record())
        folder.log("history.csv", HISTORY_FIELDS).truncate_after(done)
        folder.log("terms.csv", TERM_FIELDS).truncate_after(done)
    checkpointer = Checkpointer(folder, done, config.checkpoint_every, elapsed)
    if on_start is not None:
        on_start()
    start = time.perf_counter()
    try:
        model.fit(data.T, theta0=theta0, callback=checkpointer, cost_function=cost_function)
        checkpointer.history.open()  # the header, even when no iteration ended
    except Exception as error:  # noqa: BLE001 - MemoryError and the solvers' NonFiniteError
        if not isinstance(error, NonFiniteError | MemoryError) and not checkpointer.count:
            raise  # a value refused before the first iteration: nothing was created
        theta = getattr(error, "best_theta", None)
        theta = checkpointer.last_theta if theta is None else theta
        theta = theta0 if theta is None else theta
        if theta is None:
            raise RunFailedError(
                f"{_reason(error)}\nnothing was learned before it failed, so no run folder was "
                f"written; {_advice(error)}"
            ) from error
        outcome = {"reason": _reason(error), "advice": _advice(error),
                   "evaluations": checkpointer.evaluations}  # fmt: skip
        return _write_failed(folder, config, model, data, test, theta, done + checkpointer.count,
                             elapsed + time.perf_counter() - start, outcome)  # fmt: skip
    finally:
        checkpointer.close()
    result = model.result_
    total_iter = done + result.n_iter
    checkpointer.save(model.theta_, total_iter, elapsed + result.wall_time)
    terms = folder.log("terms.csv", TERM_FIELDS)
    terms.extend(
        [i + done, t.reconstruction, t.weight_decay, t.sparsity]
        for i, t in model.cost_terms_history_
    )
    terms.close()
    outcome = None
    if cost_function is not None and result.n_iter == 0 and "ABNORMAL" in result.message.upper():
        spec = config.cost_function or "FILE"
        outcome = {
            "reason": f"the gradient disagrees with the cost: the line search failed at "
            f"iteration 0 (see `ufldl-sae check {spec}`)",
            "advice": f"`ufldl-sae check {spec}` names the mistake in the gradient",
        }
    return write_results(folder, config, model, data, total_iter, elapsed + result.wall_time,
                         outcome=outcome, test=test)  # fmt: skip


def _write_failed(
    folder: RunFolder,
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    test: tuple[np.ndarray, np.ndarray | None] | None,
    theta: np.ndarray,
    iterations: int,
    wall_time: float,
    outcome: dict[str, Any],
) -> dict[str, Any]:
    """The artifacts of a run that failed part-way, from the best theta it had, as Ctrl-C.

    The checkpoint holds that theta, so ``--resume`` continues from it. When even the results
    cannot be computed (memory again), theta and a short ``metrics.json`` are still written.
    """
    model._set_theta(theta, data.shape[0])
    folder.write_arrays("checkpoint.npz", theta=model.theta_, iteration=iterations,
                        elapsed=wall_time)  # fmt: skip
    try:
        columns = device_columns(data.T, config.backend, config.dtype)
        model.cost_terms_, model.penalty_terms_ = model._terms(model.model_, model.theta_, columns)
        del columns
        t = model.cost_terms_
        terms = folder.log("terms.csv", TERM_FIELDS)
        terms.append([iterations, t.reconstruction, t.weight_decay, t.sparsity])
        terms.close()
        return write_results(folder, config, model, data, iterations, wall_time,
                             outcome=outcome, test=test)  # fmt: skip
    except Exception as error:  # noqa: BLE001 - the run already failed: keep what can be kept
        folder.write_arrays("theta.npz", theta=model.theta_)
        metrics = {
            "status": "failed", "failed": True, "interrupted": False,
            "reason": f"{outcome['reason']}; the results could not be computed either "
            f"({type(error).__name__}: {error})",
            "advice": outcome["advice"], "iterations": iterations,
            "wall_time_s": round(wall_time, 3), "versions": versions(),
        }  # fmt: skip
        folder.write_json("metrics.json", metrics)
        return metrics


def write_results(
    run: RunFolder | str | os.PathLike[str],
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    total_iter: int,
    wall_time: float,
    *,
    outcome: dict[str, Any] | None = None,
    test: tuple[np.ndarray, np.ndarray | None] | None = None,
) -> dict[str, Any]:
    """theta.npz, theta.mat, metrics.json and the figures of a finished (or stopped) run.

    ``outcome`` marks a failed run: its ``reason`` and ``advice`` go into the metrics with
    ``"status": "failed"`` (the optimizer's own result, when there is one, gives the rest).
    ``test`` is the held-out data when the caller loaded them already.
    """
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    blocks = {f"W{l}": W for l, W in enumerate(model.coefs_, start=1)}
    blocks |= {f"b{l}": b for l, b in enumerate(model.intercepts_, start=1)}
    folder.write_arrays("theta.npz", theta=model.theta_, **blocks)
    folder.write("theta.mat", model.export_mat)
    result = getattr(model, "result_", None)
    interrupted = bool(result is not None and result.interrupted)
    report = model.sparsity_report(data.T)
    if test is None and config.test_examples:
        test = prepare_test_data(config)
    errors = None
    status = "failed" if outcome else "interrupted" if interrupted else "finished"
    metrics = {
        "status": status,
        "interrupted": interrupted,
        "cost": model.cost_terms_.total,
        "terms": model.cost_terms_._asdict(),
        "iterations": total_iter,
        "evaluations": result.n_evals if result is not None else outcome["evaluations"],
        "wall_time_s": round(wall_time, 3),
        "message": result.message if result is not None else outcome["reason"],
        "sparsity": {k: v for k, v in report.items() if k != "rho_hat"},
        "backend": config.backend,
        "dtype": config.dtype,
        "examples": int(data.shape[1]),
        "cost_function": config.cost_function or model.model_.cost_name,
        "layer_sizes": list(model.layer_sizes_),
        "solver": config.solver,
        "terms_by_name": model.penalty_terms_,
        "versions": versions(),
    }
    if outcome:
        metrics |= {"failed": True, "reason": outcome["reason"], "advice": outcome["advice"]}
    if config.preset in TUTORIAL_NOTES:
        metrics["tutorial"] = TUTORIAL_NOTES[config.preset]
    if test is not None:
        errors = held_out_errors(model, data, test)
        test_errors, train_errors = errors
        metrics["test"] = {
            "examples": int(test_errors.size),
            "reconstruction_error": float(test_errors.mean()),
            "train_reconstruction_error": float(train_errors.mean()),
            "cost": model.score(test[0].T),
        }
    folder.write_json("metrics.json", metrics)
    draw_figures(folder, config, model, data, report, test, errors)
    return metrics


def show_run(run: str | os.PathLike[str]) -> dict[str, Any]:
    """Re-draw the figures of a run from its files and return its metrics (no training)."""
    config = read_config(run)
    folder = RunFolder(run)
    if not folder.exists("theta.npz"):
        raise FileNotFoundError(f"{run} has no theta.npz yet (the run has not finished)")
    folder.lock()
    metrics = folder.read_json("metrics.json")
    if not isinstance(metrics, dict):
        raise ValueError(f"{folder / 'metrics.json'} must hold a JSON object")
    if config.data in ("toy-features", "mnist-activations"):
        from .activations_run import redraw_activations_run

        try:
            redraw = _redraw_toy if config.data == "toy-features" else redraw_activations_run
            redraw(folder, config, metrics)
        finally:
            folder.unlock()
        return metrics
    data = prepare_data(config)
    model = model_for(config, max(config.max_iter, 1), 0)
    theta = folder.read_arrays("theta.npz").get("theta")
    if theta is None:
        raise ValueError(f"{folder / 'theta.npz'} holds no theta")
    try:  # checks theta against the model without importing the run's backend
        model._set_theta(theta, data.shape[0])
    except ValueError as error:
        raise ValueError(f"{folder / 'theta.npz'}: {error}") from None
    test = prepare_test_data(config) if config.test_examples else None
    try:
        draw_figures(folder, config, model, data, model.sparsity_report(data.T), test)
    finally:
        folder.unlock()
    return metrics


#: The budgets of the trade-off curve of a ``toy-features`` run (latents kept per sample).
TOY_BUDGETS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32)


def train_toy_run(
    config: RunConfig, run: str | os.PathLike[str], *, verbose: int = 1
) -> dict[str, Any]:
    """Train the ``toy-features`` run: ``config.architecture`` on the toy with known features.

    The data are :func:`~ufldl_sae.data.toy_features` (``toy_samples`` samples, seeded by
    ``seed``); the model and its minibatch Adam are :mod:`ufldl_sae.beyond.saes`
    (``max_iter`` epochs). The folder gets ``config.json``, ``history.csv`` (cost and dead
    fraction per epoch), ``theta.npz`` (with the true features), ``metrics.json`` (SAELens's
    names: ``l0``, ``l1``, ``mse``, ``explained_variance``, ``cossim``, ``l2_ratio``,
    ``dead_fraction``, ``feature_density``, ``mcc``, and the trade-off curve) and the figures
    of :func:`~ufldl_sae.runs.figures.draw_toy_figures`.
    """
    from ..beyond.saes.layout import sae_unpack
    from ..beyond.saes.metrics import matched_cosines
    from ..beyond.saes.train import budget_curve, train_sae
    from ..data import toy_features
    from .activations_run import sae_options
    from .mnist_sets import Device

    options = sae_options(config)  # checked before anything is drawn or created
    device = Device(config.backend, config.dtype)  # the backend config.json records
    toy = toy_features(samples=config.toy_samples, rng=config.seed)
    folder = RunFolder(run, config=config.record(), lock=True)
    try:
        if verbose:
            print(f"training {config.architecture} on the toy ({toy.data.shape[1]} samples, "
                  f"{toy.features.shape[1]} true features)", flush=True)  # fmt: skip
        result = train_sae(device.put(toy.data), options, features=toy.features)
        history = folder.log("history.csv", ("epoch", "cost", "dead_fraction"))
        history.extend([h["epoch"], repr(h["cost"]), h["dead_fraction"]] for h in result.history)
        history.close()
        theta = np.asarray(to_host(result.theta), dtype=np.float64)
        folder.write_arrays("theta.npz", theta=theta, features=toy.features,
                            probabilities=toy.probabilities)  # fmt: skip
        shown = toy.data[:, : min(20_000, toy.data.shape[1])].astype(theta.dtype)
        curve = budget_curve(theta, options, shown, TOY_BUDGETS)
        decoder = sae_unpack(theta, toy.data.shape[0], config.hidden_size)["W2"]
        matched, _ = matched_cosines(decoder, toy.features)
        metrics = {
            "status": "finished", "architecture": config.architecture, **result.metrics,
            "epochs": config.max_iter, "iterations": config.max_iter,
            "wall_time_s": round(result.seconds, 3),
            "examples": int(toy.data.shape[1]), "hidden_size": config.hidden_size,
            "tradeoff": curve, "dtype": config.dtype, "versions": versions(),
        }  # fmt: skip
        if config.architecture in ("topk", "batchtopk"):
            metrics["k"] = config.k
        folder.write_json("metrics.json", metrics)
        title = f"{config.architecture}, {config.hidden_size} latents"
        draw_toy_figures(folder, title, metrics, curve, matched, toy.probabilities)
        return metrics
    finally:
        folder.unlock()


def _redraw_toy(folder: RunFolder, config: RunConfig, metrics: dict[str, Any]) -> None:
    """Re-draw a ``toy-features`` run's figures from ``theta.npz`` (which holds the true
    features and their probabilities) and ``metrics.json`` (the trade-off curve)."""
    from ..beyond.saes.layout import sae_unpack
    from ..beyond.saes.metrics import matched_cosines

    arrays = folder.read_arrays("theta.npz")
    theta, features = arrays.get("theta"), arrays.get("features")
    if theta is None or features is None or "probabilities" not in arrays:
        raise ValueError(f"{folder / 'theta.npz'} must hold theta, features and probabilities")
    decoder = sae_unpack(theta, features.shape[0], config.hidden_size)["W2"]
    matched, _ = matched_cosines(decoder, features)
    title = f"{config.architecture}, {config.hidden_size} latents"
    draw_toy_figures(folder, title, metrics, metrics["tradeoff"], matched, arrays["probabilities"])
