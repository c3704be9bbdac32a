"""Train K initialisations of one network on one dataset at once, then polish the end points.

Parameters live in one ``(P, K)`` tensor, the init index last (`badminima.arithmetic.batch`), and the
package's own forward pass runs on it; gradients come from one reverse pass over the summed loss
(the K losses are independent, so the gradient of their sum is every gradient at once). Training is
first order (``gd``, ``momentum``, ``adam``: converged, escaped and diverged inits are frozen with masks,
never dropped, so shapes stay fixed, what ``torch.compile`` needs) or batched saddle-free Newton
(``newton``, `badminima.search.newton`, which classifies every start itself). End points are then
polished by damped Newton steps in float64 towards a critical point of any index, and classified:
``critical``, ``unconverged``, ``escaped`` (weights beyond ``max_norm``, or on a valley to a minimum at
infinity: not a finite minimum) or ``diverged`` (NaN/inf). Numeric throughout.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from badminima.errors import InvalidModelError, SettingsError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.progress import Progress
from badminima.search.columns import LANES, column_data, column_gradient_fn
from badminima.search.float_polish import polish, polish_some

INITS = ("normal", "uniform", "xavier", "he")
OPTIMIZERS = ("gd", "momentum", "adam", "newton")
STATUSES = ("critical", "unconverged", "escaped", "diverged")

_UNROLL = 10


@dataclass(frozen=True, slots=True)
class Init:
    """How initial points are drawn: ``normal`` N(mean, scale²) and ``uniform`` U(mean ± scale) for
    every parameter; ``xavier`` and ``he`` draw weights N(mean, (scale·σ)²) with Glorot's
    σ² = 2/(fan_in + fan_out) or He's σ² = 2/fan_in, and set biases to ``mean``. A non-zero ``mean``
    is the shifted-mean initialisation the paper studies (Swirszcz et al. 2016, section 4)."""

    kind: str = "normal"
    scale: float = 1.0
    mean: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in INITS:
            raise SettingsError(f"init: expected one of {', '.join(INITS)}, got {self.kind!r}")
        if not (math.isfinite(self.scale) and self.scale > 0 and math.isfinite(self.mean)):
            raise SettingsError(
                f"init: expected a finite scale > 0 and a finite mean, got scale={self.scale!r}, "
                f"mean={self.mean!r}"
            )


@dataclass(frozen=True, slots=True)
class Optimizer:
    """Full-batch ``gd``, ``momentum`` (heavy ball) or ``adam``, with step size ``lr``; or ``newton``:
    batched saddle-free Newton with exact Hessians and its own step lengths (`badminima.search.newton`;
    ``lr`` and the moment settings are not used), which takes nearly every start to a critical point,
    to infinity or to NaN within ``Stopping.max_steps`` of its (costlier) steps."""

    name: str = "adam"
    lr: float = 0.05
    momentum: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise SettingsError(f"optimizer: expected one of {', '.join(OPTIMIZERS)}, got {self.name!r}")
        if not (self.lr > 0 and 0 <= self.momentum < 1 and 0 < self.beta2 < 1 and self.eps > 0):
            raise SettingsError(
                f"optimizer: expected lr > 0, 0 <= momentum < 1, 0 < beta2 < 1 and eps > 0, got {self!r}"
            )


@dataclass(frozen=True, slots=True)
class Stopping:
    """Stop rules, checked every ``check_every`` steps: an init stops when its gradient norm is below
    ``grad_tol``, when its loss changed by at most ``loss_tol``·max(1, |loss|) since the last check,
    when a weight exceeds ``max_norm`` in absolute value (an escape to infinity), or when its loss or
    weights stop being finite; all stop after ``max_steps``. The ``newton`` optimiser checks every
    step, ignores ``loss_tol`` (a flat stretch is not an end) and stops a start as critical only when its
    gradient norm is below ``grad_tol`` and its undamped Newton step below ``step_tol``."""

    max_steps: int = 3000
    grad_tol: float = 1e-7
    loss_tol: float = 1e-13
    max_norm: float = 50.0
    check_every: int = 50
    step_tol: float = 1e-6

    def __post_init__(self) -> None:
        if (
            self.max_steps < 0
            or self.check_every < 1
            or self.grad_tol < 0
            or self.max_norm <= 0
            or self.step_tol <= 0
        ):
            raise SettingsError(
                f"stopping: expected max_steps >= 0, check_every >= 1, grad_tol >= 0, max_norm > 0, "
                f"step_tol > 0, got {self!r}"
            )


@dataclass(frozen=True)
class Ends:
    """End points of K runs: ``thetas`` (K, P) float64, their losses, gradient norms, smallest Hessian
    eigenvalue and Hessian index (NaN / −1 where not computed), a status per run (one of `STATUSES`),
    the steps each run took, and the total init-steps and seconds spent."""

    thetas: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    min_eigenvalues: np.ndarray
    indices: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    init_steps: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.thetas.shape[0])

    def count(self, status: str) -> int:
        """How many runs ended with ``status``."""
        return int((self.status == status).sum())


def initial_points(network: Network, k: int, *, init: Init = Init(), seed: int = 0) -> torch.Tensor:
    """K initial points as a (P, K) float64 tensor, drawn from one seeded generator in the flat
    parameter order of `badminima.model.Point`."""
    if k < 1:
        raise SettingsError(f"k: expected at least 1 initialisation, got {k}")
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for out, inp in network.layer_shapes:
        for size, is_weight in ((out * inp, True), (out if network.bias else 0, False)):
            if size == 0:
                continue
            if init.kind == "normal":
                block = init.mean + init.scale * torch.randn(size, k, generator=gen, dtype=torch.float64)
            elif init.kind == "uniform":
                u = torch.rand(size, k, generator=gen, dtype=torch.float64)
                block = init.mean + init.scale * (2 * u - 1)
            elif not is_weight:
                block = torch.full((size, k), init.mean, dtype=torch.float64)
            else:
                var = 2 / (inp + out) if init.kind == "xavier" else 2 / inp
                std = init.scale * math.sqrt(var)
                block = init.mean + std * torch.randn(size, k, generator=gen, dtype=torch.float64)
            rows.append(block)
    return torch.cat(rows)


def _chunk_fn(
    network: Network, optimizer: Optimizer, steps: int
) -> Callable[[Any, Any, Any, Any, Any, Any, Any], tuple[Any, Any, Any, Any, Any]]:
    """``steps`` optimiser steps on every active init; frozen inits keep their values."""
    grad_fn = column_gradient_fn
    lr, mom, b2, eps = optimizer.lr, optimizer.momentum, optimizer.beta2, optimizer.eps
    name = optimizer.name

    def run(inputs: Any, targets: Any, theta: Any, m: Any, v: Any, t0: Any, active: Any) -> Any:
        gfn = grad_fn(network, inputs, targets)
        g = losses = theta
        for i in range(steps):
            g, losses = gfn(theta)
            if name == "gd":
                step = lr * g
            elif name == "momentum":
                m = torch.where(active, mom * m + g, m)
                step = lr * m
            else:
                t = t0 + (i + 1)
                m = torch.where(active, mom * m + (1 - mom) * g, m)
                v = torch.where(active, b2 * v + (1 - b2) * g * g, v)
                step = lr * (m / (1 - mom**t)) / (torch.sqrt(v / (1 - b2**t)) + eps)
            theta = torch.where(active, theta - step, theta)
        return theta, m, v, g, losses

    return run


def train(
    network: Network,
    dataset: Dataset | Sequence[Dataset],
    starts: torch.Tensor,
    *,
    optimizer: Optimizer = Optimizer(),
    stopping: Stopping = Stopping(),
    dtype: torch.dtype = torch.float64,
    compile: bool = False,
    report: Callable[[int, int], None] | None = None,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray, int]:
    """Run the optimiser from the (P, K) ``starts``; returns the end points (P, K) float64, the status
    so far per init (``escaped``/``diverged`` are final, the rest ``unconverged``; ``newton`` also
    marks the starts it took to a critical point ``critical``, and runs in float64), the steps each
    took, and the init-steps done. ``dtype=torch.float32`` trains in single precision (the polish
    restores float64 accuracy); ``compile`` fuses ``check_every`` steps with ``torch.compile``.
    With G datasets of one size, dataset g trains the g-th block of K/G columns (one batch for many
    candidate datasets: small batches are all per-step overhead). ``report(steps done, max_steps)`` is
    called as training goes (progress displays)."""
    if starts.ndim != 2 or starts.shape[0] != network.n_params:
        raise InvalidModelError(
            f"starts: expected a (P={network.n_params}, K) tensor, got shape {tuple(starts.shape)}"
        )
    k = starts.shape[1]
    if optimizer.name == "newton":
        from badminima.search.newton import newton_train

        inputs, targets = column_data(network, dataset, k, torch.float64)
        theta, status, steps = newton_train(
            network,
            inputs,
            targets,
            starts,
            max_steps=stopping.max_steps,
            grad_tol=stopping.grad_tol,
            step_tol=stopping.step_tol,
            max_norm=stopping.max_norm,
            lanes=LANES,
            report=report,
        )
        return theta, status, steps, int(steps.sum())
    inputs, targets = column_data(network, dataset, k, dtype)
    theta = starts.to(dtype).clone()
    m = torch.zeros_like(theta)
    v = torch.zeros_like(theta)
    active = torch.ones(k, dtype=torch.bool)
    steps = np.zeros(k, dtype=np.int64)
    status = np.array(["unconverged"] * k, dtype=object)
    # Compiling unrolls the steps of a chunk: 10 compile in seconds, 50 take a minute cold.
    unroll = min(_UNROLL, stopping.check_every) if compile else stopping.check_every
    chunk = _chunk_fn(network, optimizer, unroll)
    if compile:
        chunk = torch.compile(chunk, dynamic=False)
    last = torch.full((k,), math.inf, dtype=dtype)
    done = 0
    init_steps = 0
    with torch.no_grad():
        while done < stopping.max_steps and bool(active.any()):
            n = min(stopping.check_every, stopping.max_steps - done)
            before = theta
            for start in range(0, n, unroll):
                fn = chunk if start + unroll <= n else _chunk_fn(network, optimizer, n - start)
                theta, m, v, g, losses = fn(inputs, targets, theta, m, v, torch.tensor(done + start), active)
            act = active.numpy().copy()
            steps[act] += n
            init_steps += int(act.sum()) * n
            done += n
            if report is not None:
                report(done, stopping.max_steps)
            finite = torch.isfinite(theta).all(0) & torch.isfinite(losses)
            diverged = active & ~finite
            theta = torch.where(diverged, before, theta)
            escaped = active & finite & (theta.abs().amax(0) > stopping.max_norm)
            gnorm = torch.linalg.vector_norm(g, dim=0)
            change = (losses - last).abs()
            settled = (
                active
                & finite
                & ((gnorm < stopping.grad_tol) | (change <= stopping.loss_tol * losses.abs().clamp(min=1)))
            )
            last = losses
            status[diverged.numpy()] = "diverged"
            status[escaped.numpy()] = "escaped"
            active = active & ~diverged & ~escaped & ~settled
    return theta.to(torch.float64), status, steps, init_steps


def multistart(
    network: Network,
    dataset: Dataset,
    k: int = 1024,
    *,
    init: Init = Init(),
    optimizer: Optimizer = Optimizer(),
    stopping: Stopping = Stopping(),
    seed: int = 0,
    starts: torch.Tensor | np.ndarray | None = None,
    polish_iterations: int = 40,
    critical_tol: float = 1e-9,
    dtype: torch.dtype = torch.float64,
    compile: bool = False,
    progress: bool = False,
) -> Ends:
    """Train ``k`` initialisations (or the user's ``starts``, (K, P)) and polish their end points.

    ``progress=True`` shows the training steps on stderr with rate and ETA (a redrawn line on a terminal,
    a plain line every 10 s otherwise).

    An end point is ``critical`` when its polished gradient norm is below ``critical_tol`` and all its
    weights are within ``stopping.max_norm``; ``escaped`` when its weights ran past ``max_norm``
    (during training or polishing: a minimum at infinity, not a finite one).

    Example:
        >>> from badminima.constructions import construction
        >>> trap = construction("relu-blind-spot").build()
        >>> ends = multistart(trap.network, trap.dataset, 16, seed=0)
        >>> ends.k
        16
    """
    if starts is not None:
        s = torch.as_tensor(np.asarray(starts, dtype=np.float64))
        if s.ndim != 2 or s.shape[1] != network.n_params or s.shape[0] == 0:
            raise InvalidModelError(
                f"starts: expected a (K ≥ 1, {network.n_params}) array for {network.describe()}, "
                f"got shape {tuple(s.shape)}"
            )
        theta0 = s.T.contiguous()
    else:
        theta0 = initial_points(network, k, init=init, seed=seed)
    bar = Progress(f"multistart {theta0.shape[1]} starts", unit="steps") if progress else None
    (ends,) = _run(
        network,
        [dataset],
        theta0,
        optimizer,
        stopping,
        polish_iterations,
        critical_tol,
        dtype,
        compile,
        report=bar,
    )
    if bar is not None:
        bar.close()
    return ends


def multistart_many(
    network: Network,
    datasets: Sequence[Dataset],
    k: int,
    *,
    seeds: Sequence[int],
    init: Init = Init(),
    optimizer: Optimizer = Optimizer(),
    stopping: Stopping = Stopping(),
    polish_iterations: int = 40,
    critical_tol: float = 1e-9,
    dtype: torch.dtype = torch.float64,
    compile: bool = False,
) -> list[Ends]:
    """`multistart` on G datasets of one size at once, ``k`` starts each (dataset g's drawn with
    ``seeds[g]``), in one batch of G·k columns: the same end points as G separate calls, without
    paying the per-step overhead G times."""
    if len(seeds) != len(datasets):
        raise SettingsError(f"seeds: expected one per dataset ({len(datasets)}), got {len(seeds)}")
    theta0 = torch.cat([initial_points(network, k, init=init, seed=s) for s in seeds], dim=1)
    return _run(
        network, list(datasets), theta0, optimizer, stopping, polish_iterations, critical_tol, dtype, compile
    )


def _run(
    network: Network,
    datasets: list[Dataset],
    theta0: torch.Tensor,
    optimizer: Optimizer,
    stopping: Stopping,
    polish_iterations: int,
    critical_tol: float,
    dtype: torch.dtype,
    compile: bool,
    *,
    report: Callable[[int, int], None] | None = None,
) -> list[Ends]:
    t0 = time.perf_counter()
    data: Dataset | list[Dataset] = datasets[0] if len(datasets) == 1 else datasets
    p, groups = theta0.shape[0], len(datasets)
    per = theta0.shape[1] // groups
    width = -(-per // LANES) * LANES
    # Padding columns repeat the block's own starts; they are dropped again below.
    theta0 = theta0.reshape(p, groups, per)[:, :, torch.arange(width) % per].reshape(p, groups * width)
    keep = (torch.arange(groups)[:, None] * width + torch.arange(per)).reshape(-1)
    theta, status, steps, _ = train(
        network,
        data,
        theta0,
        optimizer=optimizer,
        stopping=stopping,
        dtype=dtype,
        compile=compile,
        report=report,
    )
    t1 = time.perf_counter()
    if optimizer.name == "newton":
        # Newton's critical starts need a step or two of polish; the others none.
        theta, losses, gn, min_eig, index = polish_some(
            network, data, theta, torch.from_numpy(status == "critical"), polish_iterations
        )
    else:
        theta, losses, gn, min_eig, index = polish(network, data, theta, iterations=polish_iterations)
    t2 = time.perf_counter()
    theta, status, steps = theta[:, keep], status[keep.numpy()], steps[keep.numpy()]
    losses, gn, min_eig, index = (a[keep.numpy()] for a in (losses, gn, min_eig, index))
    big = theta.abs().amax(0).numpy()
    out = status.copy()
    live = (out != "escaped") & (out != "diverged")
    out[live & (big > stopping.max_norm)] = "escaped"
    settled = live & (big <= stopping.max_norm) & np.isfinite(gn) & (gn < critical_tol)
    if optimizer.name == "newton":
        # Newton decided which starts reached a critical point; a start it left moving may have a
        # tiny gradient only because it is on its way to infinity, so the polish cannot promote it.
        out[live & (out == "critical") & ~settled] = "unconverged"
    else:
        out[settled] = "critical"
    thetas = theta.T.contiguous().numpy()
    per = thetas.shape[0] // len(datasets)
    share = 1 / len(datasets)
    return [
        Ends(
            thetas=thetas[g * per : (g + 1) * per],
            losses=losses[g * per : (g + 1) * per],
            grad_norms=gn[g * per : (g + 1) * per],
            min_eigenvalues=min_eig[g * per : (g + 1) * per],
            indices=index[g * per : (g + 1) * per],
            status=out[g * per : (g + 1) * per],
            steps=steps[g * per : (g + 1) * per],
            init_steps=int(steps[g * per : (g + 1) * per].sum()),
            seconds=(t2 - t0) * share,
            timings={"train": (t1 - t0) * share, "polish": (t2 - t1) * share},
        )
        for g in range(len(datasets))
    ]
