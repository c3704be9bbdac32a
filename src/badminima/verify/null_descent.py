"""Higher-order saddles along the Hessian's null directions, at an exactly critical point.

At a point x whose gradient is proved exactly zero, with a Hessian H that is exact rational (every entry
an exact jet coefficient: the pre-activations that matter sit where σ, tanh and their derivatives are
rational, e.g. zero weights), let N be H's exact rational null space. Along a polynomial curve
x(ε) = x + εd + ε²e the loss's Taylor coefficients are

    c₁ = ∇F·d = 0,   c₂ = ½dᵀHd + ∇F·e,   c₃ = T(d,d,d)/6 + dᵀHe,   c₄ = Q(d)/24 + ½T(d,d,e) + ½eᵀHe

(T, Q the third and fourth derivative tensors). With d ∈ N: c₂ = 0 and c₃ = T(d,d,d)/6.

- Third order: d ∈ N with T(d,d,d) < 0 (a float search maximises |T| on N, then d is rounded to small
  rationals *inside* the exact N).
- Fourth order, where T vanishes on N: e minimises c₄ over e, He = −½T(d,d,·) in the least-squares sense
  (rounded to rationals: any e keeps c₂ = c₃ = 0 since Hd = 0), d minimises the resulting
  Q(d)/24 − ½ bᵀH⁺b, b = ½T(d,d,·).

Nothing above is trusted: the proof is the curve's jet at x in exact arithmetic (c₁ … c_{m−1} exact
zeros, `badminima.arithmetic.jet`), and c_m enclosed below zero over every base point x(ξ), ξ ∈ [0, s₀]
(`badminima.verify.higher_order.curve_coefficients`): by Taylor's theorem with the Lagrange remainder,
F(x(s)) − F(x) = c_m(ξ)·s^m < 0 for every s ∈ (0, s₀], so x is not a local minimum. The witness is x(s₀),
its loss proved below F(x) in balls. A Hessian with a negative direction is handled the same way at
order 2. This module never concludes a minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.arithmetic.jet import Jet, JetArithmetic, is_exact_zero
from badminima.arithmetic.least_squares import null_space
from badminima.errors import BackendError, UndecidableSignError
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.losses import loss, loss_of_flat
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import from_float
from badminima.verify.descent import rational_direction
from badminima.verify.higher_order import curve_coefficients
from badminima.verify.parameter_box import ball_bounds

MAX_PARAMS = 60
"""Largest parameter count searched (a 2-5-5-1 net, 51 parameters: about 10 s)."""

MAX_WORK = 5 * 10**7
"""Largest k³·N·(units) the float search may cost (its fourth-derivative tensor on a k-dimensional null
space batches k³ backward passes over N points)."""

REACHES = tuple(Fraction(1, 2**k) for k in (4, 8, 12, 16, 20))
"""Segment lengths s₀ over which the descent coefficient is enclosed, longest first."""

DIGITS = (1, 2, 4, 8)
"""Significant digits a float direction is rounded to, fewest first (small rationals are cheap to prove)."""

MAX_QUARTIC_DIMENSION = 24
"""Largest null space the fourth-order search runs on (it builds and contracts a k⁴ tensor)."""

STARTS = 32
"""Random starting directions of the float search on the null space (plus its basis vectors)."""

RAY_ORDER = 8
"""Highest Taylor order read along straight rays in the null space (`_ray_descent`)."""

RAYS = 6
"""Random rational rays in the null space whose Taylor coefficients are read up to `RAY_ORDER`."""


@dataclass(frozen=True)
class NullDescent:
    """A proved descent of order ``order`` along x(ε) = x + ε·``direction`` + ε²·``curve``: c₁ … c_{m−1}
    are exact zeros at ε = 0 and c_m ≤ ``coefficient_upper`` < 0 over ξ ∈ [0, ``reach``]; the
    ``witness`` x(reach) has loss ≤ ``witness_loss_upper`` < ``loss_lower`` ≤ F(x)."""

    order: int
    direction: tuple[Fraction, ...]
    curve: tuple[Fraction, ...]
    reach: Fraction
    coefficient_upper: Fraction
    null_dimension: int
    witness: Point
    witness_loss_upper: Fraction
    loss_lower: Fraction
    loss_upper: Fraction
    reason: str


@dataclass(frozen=True)
class NullSearch:
    """The search's result: a proved descent, or None and ``why`` not."""

    found: NullDescent | None
    why: str


def exact_derivatives(
    network: Network, dataset: Dataset, point: Point, *, masks: list[Any] | None = None
) -> tuple[list[Fraction], list[list[Fraction]]] | None:
    """The gradient and Hessian at ``point`` as exact rationals (of the piece ``masks`` selects, for a
    piecewise-linear network; the point's own region by default), or None when an entry is not an exact
    rational in jet arithmetic (a transcendental value, e.g. σ at a non-zero pre-activation).

    Example:
        >>> net = Network((1, 1, 1), "tanh")
        >>> g, H = exact_derivatives(net, Dataset.of([[1]], [[0]]), Point.unflatten(net, [0, 0, 0, 1]))
        >>> [str(v) for v in g], [str(v) for v in H[3]]
        (['0', '0', '0', '2'], ['0', '0', '0', '2'])
    """
    arith = JetArithmetic(0)
    prob = prepare(network, dataset, point, arith=arith)
    use = prob.masks if masks is None else masks
    with arith.context():
        args = (network, prob.inputs, prob.targets, prob.flat)
        grad = gradient_of_flat(*args, arith=arith, masks=use)
        if not all(isinstance(g, Jet) and isinstance(g.c[0], Fraction) for g in grad):
            return None
        hess = hessian_of_flat(*args, arith=arith, masks=use)
    rows = []
    for row in hess:
        out = []
        for v in row:
            c = v.c[0] if isinstance(v, Jet) else v
            if not isinstance(c, Fraction):
                return None
            out.append(c)
        rows.append(out)
    return [g.c[0] for g in grad], rows


def exact_hessian(network: Network, dataset: Dataset, point: Point) -> list[list[Fraction]] | None:
    """The Hessian of `exact_derivatives` (None when it is not exact rational).

    Example:
        >>> net = Network((1, 1, 1), "tanh")
        >>> H = exact_hessian(net, Dataset.of([[1]], [[0]]), Point.unflatten(net, [0, 0, 0, 0]))
        >>> [[str(v) for v in row] for row in H]
        [['0', '0', '0', '0'], ['0', '0', '0', '0'], ['0', '0', '0', '0'], ['0', '0', '0', '2']]
    """
    derivatives = exact_derivatives(network, dataset, point)
    return None if derivatives is None else derivatives[1]


class _FloatDerivatives:
    """Derivative tensors of the float loss on the null space (coordinates r, d = B r), by torch.func over
    the package's float forward pass: the cubic form's (k³), and, only when asked (fourth order), the
    quartic's (k⁴) and T(B·, B·, ·) as (k, k, P)."""

    def __init__(self, network: Network, dataset: Dataset, point: Point, basis: np.ndarray) -> None:
        fl = FloatArithmetic()
        prob = prepare(network, dataset, point, arith=fl)
        B = torch.tensor(basis, dtype=DTYPE)

        def f(u: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
            return loss_of_flat(
                network, prob.inputs, prob.targets, prob.flat + B @ u + w, arith=fl, masks=prob.masks
            )

        self.f = f
        self.at = (torch.zeros(B.shape[1], dtype=DTYPE), torch.zeros(B.shape[0], dtype=DTYPE))
        self.cube = torch.func.jacfwd(torch.func.hessian(f, argnums=0), argnums=0)

    def third(self) -> np.ndarray:
        return self.cube(*self.at).detach().numpy()

    def fourth(self) -> tuple[np.ndarray, np.ndarray]:
        jf = torch.func.jacfwd
        quartic = jf(self.cube, argnums=0)(*self.at)
        mixed = jf(jf(torch.func.grad(self.f, argnums=1), argnums=0), argnums=0)(*self.at)  # (P, k, k)
        return quartic.detach().numpy(), mixed.permute(1, 2, 0).detach().numpy()


def _contract(tensor: np.ndarray, u: np.ndarray, times: int) -> np.ndarray:
    """``tensor`` with its first ``times`` slots contracted with each row of ``u`` (batched)."""
    out = np.einsum("a...,na->n...", tensor, u)
    for _ in range(times - 1):
        out = np.einsum("na...,na->n...", out, u)
    return out


def _minimise_on_sphere(value_and_gradient: Any, k: int, seed: int = 0) -> np.ndarray:
    """A unit r (approximately) minimising a form on the sphere: the best of random starts and the axes
    after projected gradient steps of shrinking length (numpy, every start at once)."""
    rng = np.random.default_rng(seed)
    u = np.concatenate([np.eye(k), rng.standard_normal((STARTS, k))])
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    best_u, best = u.copy(), value_and_gradient(u)[0]
    for step in np.geomspace(0.3, 1e-3, 150):
        value, grad = value_and_gradient(u)
        better = value < best
        best_u[better], best[better] = u[better], value[better]
        tangent = grad - np.sum(grad * u, axis=1, keepdims=True) * u
        norm = np.linalg.norm(tangent, axis=1, keepdims=True)
        u = u - step * tangent / np.where(norm > 0, norm, 1.0)
        u /= np.linalg.norm(u, axis=1, keepdims=True)
    return best_u[int(np.argmin(best))]


def _round(values: np.ndarray, digits: int) -> tuple[Fraction, ...]:
    """Small rationals near ``values`` relative to their ∞-norm (``digits`` significant digits)."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return tuple(Fraction(0) for _ in values)
    scale = from_float(top, "simplest", denominator=10**digits) or Fraction(1, 10**digits)
    return tuple(scale * v for v in rational_direction(values / top, digits))


def _exact_coefficients(
    network: Network, dataset: Dataset, point: Point, curve: Sequence[Sequence[Fraction]], order: int
) -> list[Any] | None:
    try:
        return curve_coefficients(network, dataset, point, Fraction(0), curve, Fraction(0), order=order)
    except (UndecidableSignError, ZeroDivisionError):
        return None


def _upper(c: Any) -> Fraction | None:
    if isinstance(c, Fraction):
        return c
    if not c.is_finite():
        return None
    return ball_bounds(c)[1]


def _prove(
    network: Network,
    dataset: Dataset,
    point: Point,
    d: Sequence[Fraction],
    e: Sequence[Fraction] | None,
    order: int,
) -> tuple[Fraction, Fraction] | None:
    """(s₀, upper bound of c_m over [0, s₀]) when c₁ … c_{m−1} are exact zeros at the point and c_m is
    proved negative over a segment of `REACHES`; else None."""
    curve = [list(d)] if e is None else [list(d), list(e)]
    exact = _exact_coefficients(network, dataset, point, curve, order)
    if exact is None or not all(is_exact_zero(c) for c in exact[1:order]):
        return None
    top = _upper(exact[order])
    if top is None or top >= 0:
        return None
    for reach in REACHES:
        try:
            c = curve_coefficients(network, dataset, point, Fraction(0), curve, reach, order=order)[order]
        except UndecidableSignError:
            continue
        upper = _upper(c)
        if upper is not None and upper < 0:
            return reach, upper
    return None


def _witness(
    network: Network,
    point: Point,
    dataset: Dataset,
    d: Sequence[Fraction],
    e: Sequence[Fraction] | None,
    reach: Fraction,
    order: int,
) -> tuple[Point, Fraction, Fraction, Fraction] | None:
    """x(s₀) and its loss's upper bound, with F(x)'s bounds, at a precision that resolves the descent."""
    x = point.flatten()
    ee = e if e is not None else [Fraction(0)] * len(x)
    cand = Point.unflatten(
        network, [a + reach * b + reach * reach * c for a, b, c in zip(x, d, ee, strict=True)]
    )
    bits = 128 + order * (reach.denominator.bit_length() - 1)
    for prec in (bits, 2 * bits, 4 * bits):
        ball = BallArithmetic(prec)
        lo, hi = ball_bounds(loss(network, dataset, point, arith=ball))
        _, w_hi = ball_bounds(loss(network, dataset, cand, arith=ball))
        if w_hi < lo:
            return cand, w_hi, lo, hi
    return None


def _vector_text(v: Sequence[Fraction]) -> str:
    return "(" + ", ".join(str(a) for a in v) + ")"


def certify_null_descent(network: Network, dataset: Dataset, point: Point) -> NullSearch:
    """A proved descent of order 2, 3 or 4 along the exact Hessian's null directions at ``point``, which
    the caller has proved exactly critical; never a minimum.

    Example:
        >>> from badminima.model import Dataset, Network, Point
        >>> net = Network((1, 2, 2, 1), "tanh")
        >>> data = Dataset.of([[1], [2], [-1]], [[1], [0], [2]])
        >>> zero = Point.unflatten(net, [0] * 12 + [1])
        >>> certify_null_descent(net, data, zero).found.order
        3
    """
    P = network.n_params
    if P > MAX_PARAMS:
        return NullSearch(None, f"{P} parameters (the null-direction search stops at {MAX_PARAMS})")
    try:
        H = exact_hessian(network, dataset, point)
    except (BackendError, UndecidableSignError, ZeroDivisionError) as exc:
        return NullSearch(None, f"the exact Hessian failed ({exc})")
    if H is None:
        return NullSearch(None, "the Hessian is not exact rational here (no null-direction search)")
    basis = null_space(H)
    Hf = np.array([[float(v) for v in row] for row in H])
    eig, vecs = np.linalg.eigh(Hf)
    tried = []
    if eig[0] < -1e-12 * max(1.0, float(np.max(np.abs(eig)))):
        for digits in DIGITS:
            d = _round(vecs[:, 0], digits)
            proved = _prove(network, dataset, point, d, None, 2)
            if proved is not None:
                return _found(network, dataset, point, 2, d, None, proved, len(basis))
        tried.append("a negative Hessian direction rounded to rationals is not proved to descend")
    if not basis:
        return NullSearch(None, "; ".join([*tried, "the exact Hessian is non-singular"]))
    k = len(basis)
    if k**3 * len(dataset.X) * sum(network.widths) > MAX_WORK:
        return NullSearch(None, "; ".join([*tried, f"a {k}-dimensional null space is too large to search"]))
    Bq = np.array([[float(v) for v in col] for col in basis]).T  # (P, k)
    derivatives = _FloatDerivatives(network, dataset, point, Bq)
    third = derivatives.third()
    third = (third + third.transpose(1, 2, 0) + third.transpose(2, 0, 1)) / 3  # symmetric to rounding

    def cubic(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = _contract(third, u, 2)
        return np.sum(g * u, axis=1), 3 * g

    r3 = _minimise_on_sphere(cubic, k)
    for sign in (1, -1):
        for digits in DIGITS:
            r = rational_direction(sign * r3, digits)
            d = tuple(sum((c * b[i] for c, b in zip(r, basis, strict=True)), Fraction(0)) for i in range(P))
            proved = _prove(network, dataset, point, d, None, 3)
            if proved is not None:
                return _found(network, dataset, point, 3, d, None, proved, k)
    tried.append(f"no third-order descent along the {k}-dimensional null space")
    if k > MAX_QUARTIC_DIMENSION:
        tried.append(f"the fourth-order search stops at {MAX_QUARTIC_DIMENSION} null directions")
        return _ray_descent(network, dataset, point, basis) or NullSearch(None, "; ".join(tried))
    fourth, mixed = derivatives.fourth()
    pinv = np.linalg.pinv(Hf, rcond=1e-10, hermitian=True)

    def quartic(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # q(u) = Q(u⁴)/24 − ½ b(u)ᵀH⁺b(u), b(u) = ½M(u, u, ·): c₄ after the best e = −H⁺b
        q3 = _contract(fourth, u, 3)
        jb = _contract(mixed, u, 1)  # (n, k, P): ∂b/∂u
        b = 0.5 * np.einsum("nap,na->np", jb, u)
        hb = b @ pinv
        value = np.sum(q3 * u, axis=1) / 24 - 0.5 * np.sum(b * hb, axis=1)
        return value, q3 / 6 - np.einsum("nap,np->na", jb, hb)

    r4 = _minimise_on_sphere(quartic, k)
    for digits in DIGITS:
        r = rational_direction(r4, digits)
        d = tuple(sum((c * b[i] for c, b in zip(r, basis, strict=True)), Fraction(0)) for i in range(P))
        rf = np.linalg.lstsq(Bq, np.array([float(v) for v in d]), rcond=None)[0]
        e = _round(-(pinv @ (0.5 * _contract(mixed, rf[None, :], 2)[0])), digits + 4)
        proved = _prove(network, dataset, point, d, e, 4)
        if proved is not None:
            return _found(network, dataset, point, 4, d, e, proved, k)
    tried.append("no fourth-order descent along a curve x + εd + ε²e with d in it")
    ray = _ray_descent(network, dataset, point, basis)
    if ray is not None:
        return ray
    tried.append(f"no descent of order ≤ {RAY_ORDER} along {RAYS} random rays in it")
    return NullSearch(None, "; ".join(tried))


def _ray_descent(
    network: Network, dataset: Dataset, point: Point, basis: Sequence[Sequence[Fraction]]
) -> NullSearch | None:
    """A descent of order 3 … `RAY_ORDER` along a straight ray x + εd, d a random small-integer
    combination of the exact null basis: the first Taylor coefficient c_m that is not an exact zero
    decides (odd m: the ray's sign is chosen to make it negative; even m: it must be negative). Where
    every pre-activation sits at a point with rational derivatives (zero weights in a bias-free tanh
    net, say) the loss along a generic ray may start at order 5 or beyond: the product v·u·w³ of three
    layers' weights, once the data's first moment kills v·u·w."""
    P = network.n_params
    rng = np.random.default_rng(0)
    for _ in range(RAYS):
        r = [int(v) for v in rng.integers(-3, 4, size=len(basis))]
        d = [sum((c * b[i] for c, b in zip(r, basis, strict=True)), Fraction(0)) for i in range(P)]
        if not any(d):
            continue
        exact = _exact_coefficients(network, dataset, point, [d], RAY_ORDER)
        if exact is None:
            return None
        m = next((j for j in range(1, RAY_ORDER + 1) if not is_exact_zero(exact[j])), None)
        if m is None or m < 3 or not isinstance(exact[m], Fraction):
            continue
        if exact[m] > 0:
            if m % 2 == 0:
                continue
            d = [-v for v in d]
        proved = _prove(network, dataset, point, d, None, m)
        if proved is not None:
            return _found(network, dataset, point, m, d, None, proved, len(basis))
    return None


def _found(
    network: Network,
    dataset: Dataset,
    point: Point,
    order: int,
    d: Sequence[Fraction],
    e: Sequence[Fraction] | None,
    proved: tuple[Fraction, Fraction],
    k: int,
) -> NullSearch:
    reach, upper = proved
    w = _witness(network, point, dataset, d, e, reach, order)
    if w is None:
        return NullSearch(None, f"an order-{order} descent is proved but its witness's loss is not resolved")
    witness, w_hi, lo, hi = w
    curve = "x + εd" + (" + ε²e" if e is not None else "")
    zeros = ", ".join(f"c{j}" for j in range(1, order))
    where = "a negative direction of the exact Hessian" if order == 2 else f"its {k}-dimensional null space"
    reason = (
        f"the gradient is exactly zero and the Hessian is exact rational; along the curve {curve} with d in "
        f"{where}, the loss's Taylor coefficients {zeros} are exact zeros and c{order} ≤ {float(upper):.3g} "
        f"< 0 at every point of the curve with 0 ≤ ε ≤ s₀ = {reach} (Lagrange remainder), so "
        f"F(x(s)) < F(x) for 0 < s ≤ s₀: an order-{order} saddle, not a local minimum; d = {_vector_text(d)}"
        + (f", e = {_vector_text(e)}" if e is not None else "")
        + f"; the witness x(s₀) has loss ≤ {float(w_hi):.17g}, below F(x) ≥ {float(lo):.17g}"
    )
    zero = tuple(Fraction(0) for _ in d)
    return NullSearch(
        NullDescent(
            order=order,
            direction=tuple(d),
            curve=tuple(e) if e is not None else zero,
            reach=reach,
            coefficient_upper=upper,
            null_dimension=k,
            witness=witness,
            witness_loss_upper=w_hi,
            loss_lower=lo,
            loss_upper=hi,
            reason=reason,
        ),
        "",
    )
