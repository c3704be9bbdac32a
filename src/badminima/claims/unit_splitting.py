"""Splitting a hidden unit of a minimum: a line of critical points, minima on one side, saddles on the other.

Fukumizu & Amari (2000), Theorem 3. Take a one-hidden-layer network with H−1 smooth units,
``f(x) = Σ_k v_k φ(w_k·x̃) + c`` with ``x̃ = (x, 1)`` (the bias is the last entry of ``w_k``), φ = tanh,
identity output and ``L = (1/N) Σ_i (f(x_i) − y_i)²``; let θ* be a strict local minimum. Split hidden
unit j into two units a, b with the same input weights and output weights λ·v_j and (1 − λ)·v_j: the
split map ``S_λ`` is linear and exact, and ``S_λθ`` computes the same function as θ for every λ. Put

    ℓ'_i = ∂L/∂f(x_i) = 2 (f(x_i) − y_i) / N,      A = v_j Σ_i ℓ'_i φ''(w_j·x̃_i) x̃_i x̃_iᵀ   ((d0+1)×(d0+1)).

The theorem: every ``S_λθ*`` is a critical point of the H-unit network (a line of critical points); if A
is positive definite the points with λ ∈ (0, 1) are local minima and those with λ ∉ [0, 1] saddles; if A
is negative definite the reverse; if A is indefinite all are saddles.

The maths behind the checks (steps 1 and 2 are also tested exactly / independently in the tests):

1. *The line is critical.* At ``S_λθ`` the residuals are those of θ, so the gradient entries of the
   unchanged units and of the output bias are those of the small network; unit a's input weights get
   ``λ v_j Σ_i ℓ'_i φ'(w_j·x̃_i) x̃_i = λ·∂L/∂w_j``, unit b's ``(1 − λ)·∂L/∂w_j``, and both output weights
   ``Σ_i ℓ'_i φ(w_j·x̃_i) = ∂L/∂v_j``. So ``∇L_big(S_λθ) = T_λ ∇L_small(θ)`` for a fixed linear map
   T_λ, and ``S_λθ*`` is exactly critical when θ* is.
2. *The curvature along the split.* Move the two copies apart: ``δw_a = (1 − λ) t u``, ``δw_b = −λ t u``
   (u ∈ R^{d0+1}). Every output changes by ``λ v_j φ' (1−λ) t u·x̃ − (1−λ) v_j φ' λ t u·x̃ = 0`` to
   first order, and by ``½ t² λ(1−λ) v_j φ''(w_j·x̃)(u·x̃)²`` to second order, so with v that direction
   ``vᵀ∇²L v = Σ_i ℓ'_i ∂²f_i/∂t² = λ(1−λ) uᵀAu`` (no Gauss–Newton term: ∂f/∂t = 0). This holds at
   every split point ``S_λθ``, critical or not.
3. *Inertia.* The small network's directions (the image of S_λ), the split directions of 2 and the line's
   tangent (δv_a = v_j, δv_b = −v_j) span the big parameter space (v_j ≠ 0). The line is critical, so its
   tangent is in the Hessian's kernel; ∂L/∂t vanishes on the whole (linear) image of S_λ, so the mixed
   terms vanish; hence ∇²L_big(S_λθ*) is congruent to ``diag(∇²L_small(θ*), λ(1−λ)A, 0)``. With
   ∇²L_small ≻ 0 (what `certify` proves) a negative eigenvalue of the big Hessian can only come from
   λ(1−λ)A, and on the minima side the Hessian is positive semidefinite with exactly one zero eigenvalue:
   the second-order test is silent there, and minimality needs an argument beyond second order (the
   paper's); this module only reports numerical evidence for them (float Hessian PSD with exactly one
   near-zero eigenvalue, float descent probes that do not go down), labelled "numerical", never as proved.

How a saddle is *proved* (ball and float64-enclosure arithmetic): `certify` proves a strict local
minimiser x* of the small network in the ∞-norm box ``B(c, r)`` (``box_center``, ``proof_radius``).
``S_λ`` is linear, so ``S_λx* ∈ B(S_λc, R)`` with ``R = max(1, |λ|, |1 − λ|)·r``, and ``S_λx*`` is exactly
critical (step 1). The big network's Hessian is enclosed over that whole box (the box method's
enclosure, `badminima.verify.box`) and ``vᵀ∇²L v`` evaluated in balls for v the split direction of a
rationalised eigenvector u of A with ``λ(1−λ)uᵀAu < 0``. An upper bound below 0 proves that the critical
point ``S_λx*`` has a direction of negative curvature: it is not a local minimum. The sign of ``uᵀAu``
and the definiteness of A are proved too, with A enclosed over ``B(c, r)`` in balls (Sylvester's
leading minors), so the prediction itself is about θ*, not about its float approximation.

What counts as a certified counterexample (`Found`): along a split direction, ``vᵀ∇²L v`` proved of the
sign opposite to the one ``λ(1−λ)uᵀAu`` predicts (a proved negative value is moreover a proved saddle
where a minimum may be predicted), or the enclosures of ``vᵀ∇²L(S_λx*)v`` and ``λ(1−λ)uᵀA(x*)u`` proved
disjoint (the identity of step 2 fails); on the minima side, a float negative eigenvalue whose
eigenvector is proved to be a direction of negative curvature over the box.

Two claims share this code, so that "certified" covers only what is proved:

* `unit-splitting-saddles` (kind "certified"): the split line is critical and every split point the sign
  rule calls a saddle is a proved saddle. Split points it calls local minima are not counted as
  agreement there; on them only a proved contradiction counts (`Found`).
* `unit-splitting-minima` (kind "numerical"): the split points the rule calls local minima look like
  minima (float evidence, as in step 3); a proved contradiction is still `Found`. Examples without a
  predicted minimum (A indefinite) are skipped.

Examples: minima of small networks found by multistart on drawn data nearly always have an indefinite
A (only saddles then), so two constructed minima with A positive and negative definite (`definite_case`)
run first on both checks; the minima claim then draws split ratios for them (`definite_splits`), and
the saddles claim draws data (`split_cases`). Each run certifies a constructed minimum once.

Reference:
    K. Fukumizu, S. Amari, "Local minima and plateaus in hierarchical structures of multilayer
    perceptrons", Neural Networks 13(3), 2000, pp. 317-327, Theorem 3.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from hypothesis import strategies as st

from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Claim,
    Finding,
    Found,
    Hunt,
    Outcome,
    Settings,
    Skip,
    Undecided,
    hunt,
)
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap
from badminima.strategies import rationals

if TYPE_CHECKING:
    from badminima.verify.certificate import Certificate

SADDLES = "unit-splitting-saddles"
"""The certified claim: the split line is critical, and the points the sign rule calls saddles are."""

MINIMA = "unit-splitting-minima"
"""The numerical claim: the points the sign rule calls local minima look like minima (no proof)."""

Side = Literal["saddles", "minima"]
"""Which of the two claims an examination serves (they share all the code)."""

PAPER = "Fukumizu & Amari 2000, Neural Networks 13(3) (Local minima and plateaus in hierarchical structures)"
SOURCE = f"badminima claims check {SADDLES} / {MINIMA} ({PAPER})"

LAMBDAS = (Fraction(-1, 2), Fraction(1, 3), Fraction(3, 2))
"""Split ratios tried on every example (one on each side of [0, 1] and one inside), plus one drawn."""

STARTS = 32
"""Multistart initialisations for the small network (Adam, seed 0)."""

TRAIN_STEPS = 300
"""Adam steps before the Newton polish: enough to settle into a basin on these tiny problems."""

TRIES = 2
"""Numerically strict minima of the small network handed to `certify`, lowest loss first."""

PRECISION = 128
"""Ball precision (bits) of the enclosures of A, of the gradient and of the Hessian's quadratic forms."""

SINGULAR = 1e-6
"""A is skipped as (nearly) singular when its smallest |eigenvalue| is below this times max(1e-3, top)."""

ZERO_EIGENVALUE = 1e-8
"""Float Hessian eigenvalues below this times max(1, |top|) count as zero in the numerical evidence."""

TINY_GRADIENT = 1e-12
"""Consistency check: the proved bound on ‖∇L_big(S_λc)‖ must be below this (c is polished to ~2^-64)."""


# ---------------------------------------------------------------------------------------------------
# The split map and the matrix A
# ---------------------------------------------------------------------------------------------------


def _check_shape(network: Network) -> tuple[int, int]:
    """``(d0, hidden width)`` of a one-hidden-layer tanh network with scalar identity output, mse,
    biases; ValueError otherwise."""
    ok = (
        network.depth == 2
        and network.widths[-1] == 1
        and network.activation == "tanh"
        and network.output == "identity"
        and network.loss == "mse"
        and network.bias
    )
    if not ok:
        raise ValueError(
            f"network: expected d0-m-1 tanh→identity, mse, with biases, got {network.describe()}"
        )
    return network.widths[0], network.widths[1]


def split_network(network: Network) -> Network:
    """The network with one more hidden unit (the split copy is appended as the last unit)."""
    d0, m = _check_shape(network)
    return Network((d0, m + 1, 1), network.activation)


def split_point(network: Network, point: Point, unit: int, lam: Fraction) -> tuple[Network, Point]:
    """``S_λθ``: hidden unit ``unit`` duplicated (the copy appended last), output weights λ·v_j on the
    original and (1 − λ)·v_j on the copy. Exact, linear in θ, and the network function is unchanged.

    Example:
        >>> net = Network((1, 1, 1), "tanh")
        >>> big, p = split_point(net, Point.of([([[2]], [1]), ([[3]], [0])]), 0, Fraction(1, 3))
        >>> [str(x) for x in p.flatten()]
        ['2', '2', '1', '1', '1', '2', '0']
    """
    _, m = _check_shape(network)
    if not 0 <= unit < m:
        raise ValueError(f"unit: expected 0..{m - 1}, got {unit!r}")
    hidden, out = point.layers
    assert hidden.b is not None
    v = list(out.W[0])
    vj = v[unit]
    v[unit] = lam * vj
    v.append((1 - lam) * vj)
    layers = (Layer((*hidden.W, hidden.W[unit]), (*hidden.b, hidden.b[unit])), Layer((tuple(v),), out.b))
    return split_network(network), Point(layers)


def split_direction(
    network: Network, unit: int, lam: Fraction, u: Sequence[Fraction]
) -> tuple[Fraction, ...]:
    """The flat direction of the big network ``δw_a = (1 − λ)u``, ``δw_b = −λu`` (``u`` = input weights
    then bias of the split unit; a = ``unit``, b = the appended copy), zero elsewhere."""
    d0, m = _check_shape(network)
    if len(u) != d0 + 1:
        raise ValueError(f"u: expected {d0 + 1} entries (input weights, bias), got {len(u)}")
    W = [[Fraction(0)] * d0 for _ in range(m + 1)]
    b = [Fraction(0)] * (m + 1)
    for row, scale in ((unit, 1 - lam), (m, -lam)):
        W[row] = [scale * x for x in u[:d0]]
        b[row] = scale * u[d0]
    zero = Layer(((Fraction(0),) * (m + 1),), (Fraction(0),))
    return Point((Layer(tuple(map(tuple, W)), tuple(b)), zero)).flatten()


def split_curvature_matrix(
    network: Network, inputs: Any, targets: Any, flat: Any, unit: int, *, arith: Any
) -> list[list[Any]]:
    """Fukumizu–Amari's ``A = v_j Σ_i ℓ'_i φ''(w_j·x̃_i) x̃_i x̃_iᵀ`` at the flat parameters (any backend:
    a ball array gives an enclosure over a box), with ``ℓ'_i = 2(f_i − y_i)/N`` and, for tanh,
    ``φ'' = −2 tanh (1 − tanh²)``. Uses the package's forward pass; ``inputs`` (d0, N), ``targets`` (1, N)
    as laid out by `badminima.landscape.problem.prepare`."""
    from badminima.landscape.forward_pass import forward, unflatten

    d0, _ = _check_shape(network)
    params = unflatten(network, flat)
    fwd = forward(network, params, inputs, arith=arith)
    n = inputs.shape[1]
    a = fwd.a[1][unit]
    weight = params[1][0][0, unit] * (2 * (fwd.logits[0] - targets[0]) / n) * (-2 * a * (1 - a * a))
    rows = [inputs[p] for p in range(d0)]
    A: list[list[Any]] = [[None] * (d0 + 1) for _ in range(d0 + 1)]
    for p in range(d0 + 1):
        for q in range(p, d0 + 1):
            term = weight
            for k in (p, q):
                if k < d0:
                    term = term * rows[k]
            A[p][q] = A[q][p] = arith.total(term)
    return A


def fukumizu_amari_sign(lam: Fraction, sign_uAu: int) -> int:
    """The sign of ``vᵀ∇²L v = λ(1−λ)uᵀAu`` along the split direction of u (step 2 of the module
    docstring), from λ and the sign of ``uᵀAu``."""
    return (1 if lam * (1 - lam) > 0 else -1) * sign_uAu


# ---------------------------------------------------------------------------------------------------
# Drawn examples
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitCase:
    """A small network (H − 1 tanh units), its data, the unit to split and the split ratios λ; ``start``
    (optional) a point near a known strict minimum, polished there instead of a multistart search."""

    network: Network
    dataset: Dataset
    unit: int
    lambdas: tuple[Fraction, ...]
    start: Point | None = None


def definite_case(sign: int) -> SplitCase:
    """A constructed example whose minimum has a *definite* A (positive for ``sign`` = 1, negative for
    −1); drawn examples almost always give an indefinite A, hence only saddles.

    Construction: θ* = (w, b, v, c) = (−1, 3/4, 7/4, 0) on the seven inputs below. The first-order
    conditions at θ* are four linear conditions on the residual vector r (Σr = Σr·tanh z = Σr·tanh'z =
    Σr·tanh'z·x = 0); r was chosen in their null space with A(r) definite (A is linear in r, so −r gives
    the opposite sign), and the targets are ``v·tanh(w x + b) − sign·r/2`` rounded to hundredths. The
    rounding moves the minimum by about 5·10⁻³ (polished before `certify`), not enough to change A's
    definiteness (|eigenvalues| between 10⁻³ and 6·10⁻³; the definiteness is proved in balls on every run).
    """
    y = {
        1: ("31/20", "43/20", "111/100", "29/50", "-59/100", "-51/50", "-167/100"),
        -1: ("193/100", "23/20", "93/50", "27/100", "-27/100", "-121/100", "-81/50"),
    }[sign]
    X = ("-5/2", "-1", "-1/2", "1/2", "1", "3/2", "5/2")
    net = Network((1, 1, 1), "tanh")
    start = Point.of([([["-1"]], ["3/4"]), ([["7/4"]], ["0"])])
    return SplitCase(net, Dataset.of([[x] for x in X], [[t] for t in y]), 0, LAMBDAS, start)


@st.composite
def split_cases(draw: st.DrawFn) -> SplitCase:
    """d0 ∈ {1, 2} inputs, H − 1 ∈ {1, 2} tanh units, P + 1..P + 3 distinct rational inputs (P the small
    network's parameter count: with fewer points the minima are interpolating and flat, never strict),
    targets from a teacher tanh network with one more unit (rational weights in [−2, 2]) rounded to
    eighths plus noise k/8, |k| ≤ 2 (random targets mostly send tanh units off to infinity), the unit to
    split, and one drawn λ ∉ {0, 1} besides `LAMBDAS`."""
    d0 = draw(st.integers(1, 2))
    m = draw(st.integers(1, 2))
    net = Network((d0, m, 1), "tanh")
    n = net.n_params + draw(st.integers(1, 3))
    X = draw(st.lists(st.tuples(*[rationals()] * d0), min_size=n, max_size=n, unique=True))
    weight = rationals(max_numerator=2, max_denominator=2)
    teacher = [
        (draw(st.tuples(*[weight] * d0)), draw(weight), draw(weight.filter(bool))) for _ in range(m + 1)
    ]
    y = []
    for x in X:
        f = sum(
            float(v) * math.tanh(sum(float(a * b) for a, b in zip(w, x, strict=True)) + float(c))
            for w, c, v in teacher
        )
        y.append([Fraction(round(8 * f), 8) + Fraction(draw(st.integers(-2, 2)), 8)])
    unit = draw(st.integers(0, m - 1))
    extra = draw(rationals(max_numerator=6, max_denominator=4).filter(lambda q: q not in (0, 1)))
    lambdas = tuple(dict.fromkeys((*LAMBDAS, extra)))
    return SplitCase(net, Dataset.of(X, y), unit, lambdas)


# ---------------------------------------------------------------------------------------------------
# Examining one example
# ---------------------------------------------------------------------------------------------------


@dataclass
class SplitRecord:
    """What the hunt saw, for the evidence lines."""

    saddles: int = 0
    minima: int = 0
    directions: int = 0
    identity_worst: float = 0.0
    inertia_matches: int = 0
    inertia_checked: int = 0
    gradient_worst: float = 0.0
    classes: dict[str, int] = field(default_factory=dict)

    def saw(self, cls: str) -> None:
        self.classes[cls] = self.classes.get(cls, 0) + 1


def small_minimum(
    network: Network, dataset: Dataset, *, starts: int = STARTS, start: Point | None = None
) -> tuple[Trap, Certificate] | Skip:
    """A certified strict local minimum of the small network, or a `Skip` saying why none was found:
    multistart, `survey` and `certify` on its numerically strict minima (lowest loss first), or,
    with ``start``, Newton-polish that point and certify the result."""
    import torch

    from badminima.search.basins import survey
    from badminima.search.shrinking import to_point
    from badminima.search.starts import Stopping, multistart, polish
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    if start is None:
        ends = multistart(network, dataset, starts, seed=0, stopping=Stopping(max_steps=TRAIN_STEPS))
        minima = [(ends.thetas[p.row], p.loss) for p in survey(network, ends).minima if p.is_strict_minimum]
    else:
        x0 = torch.tensor([[float(v)] for v in start.flatten()], dtype=torch.float64)
        theta, losses, _, min_eig, _ = polish(network, dataset, x0)
        ok = bool(min_eig[0] > 0)
        minima = [(theta[:, 0].numpy(), float(losses[0]))] if ok else []
    if not minima:
        return Skip("no finite, numerically strict minimum of the small network was found")
    for theta_row, value in minima[:TRIES]:
        trap = Trap(
            network,
            dataset,
            to_point(network, [float(t) for t in theta_row]),
            name="unit-splitting-small-minimum",
            description=f"a strict local minimum of the small network (float loss {value:.6g})",
            source=SOURCE,
        )
        cert = certify(trap, probes=0)
        if (
            cert.verdict is Verdict.LOCAL_MIN
            and cert.box_center is not None
            and cert.proof_radius is not None
            and cert.min_eigenvalue_bound is not None
        ):
            return trap, cert
    return Skip("certify did not prove a strict local minimum of the small network")


def _quadratic(ball: Any, M: Any, v: Sequence[Fraction]) -> Any:
    """``vᵀMv`` in balls for an arb matrix M (an enclosure over every matrix M stands for)."""
    import flint

    n = len(v)
    vb = flint.arb_mat(n, 1, [ball.constant(x) for x in v])
    return (vb.transpose() * M * vb)[0, 0]


def _definiteness(A: list[list[Any]]) -> str | None:
    """``positive definite`` / ``negative definite`` when Sylvester's leading minors of ±A are proved
    positive for every symmetric matrix in the ball matrix A, else None."""
    import flint

    n = len(A)
    for sign, name in ((1, "positive definite"), (-1, "negative definite")):
        minors = [
            flint.arb_mat([[sign * A[i][j] for j in range(k)] for i in range(k)]).det()
            for k in range(1, n + 1)
        ]
        if all(d > 0 for d in minors):
            return name
    return None


@dataclass(frozen=True)
class _Small:
    """The certified small minimum and the proved facts about A over its box."""

    trap: Trap
    cert: Certificate
    center: Point
    radius: Fraction
    cls: str
    directions: tuple[tuple[Fraction, ...], ...]
    signs: tuple[int, ...]
    uAu: tuple[Any, ...]
    A_mid: Any


def _analyse_small(case: SplitCase, trap: Trap, cert: Certificate) -> _Small | Skip:
    """Enclose A over the small network's certified box, decide its definiteness and the sign of uᵀAu
    along its rationalised float eigenvectors u."""
    import flint
    import numpy as np

    from badminima.verify.box import _Box
    from badminima.verify.descent import rational_direction

    assert cert.box_center is not None and cert.proof_radius is not None
    center, radius = cert.box_center, cert.proof_radius
    box = _Box(case.network, case.dataset, center, PRECISION)
    ball = box.ball
    with ball.context():
        A = split_curvature_matrix(
            case.network, box.prob.inputs, box.prob.targets, box.flat(radius), case.unit, arith=ball
        )
        A_mid = np.array([[float(x.mid()) for x in row] for row in A])
        eig, Q = np.linalg.eigh(A_mid)
        top = float(np.max(np.abs(eig)))
        if float(np.min(np.abs(eig))) <= SINGULAR * max(1e-3, top):
            return Skip("A is (nearly) singular")
        directions = tuple(rational_direction(Q[:, k]) for k in range(len(eig)))
        M = flint.arb_mat(A)
        uAu = tuple(_quadratic(ball, M, u) for u in directions)
        signs = tuple(s for s in (ball.sign(q) for q in uAu) if s is not None and s != 0)
        cls = _definiteness(A)
        if cls is None and 1 in signs and -1 in signs:
            cls = "indefinite"
    if cls is None or len(signs) != len(uAu):
        return Skip("the definiteness of A is not decided over the certified box")
    return _Small(trap, cert, center, radius, cls, directions, signs, uAu, A_mid)


def _saddle_proof(small: _Small, lam: Fraction, direction: str, radius: Fraction, curv: Any) -> str:
    """The text of a saddle proof (what `CertifiedTrap.proof` says)."""
    return (
        f"`certify` proves a strict local minimiser x* of the {small.trap.network.describe()} network "
        f"in the ∞-norm box of radius {float(small.radius):.3g} around its box_center c (Hessian ≥ "
        f"{float(small.cert.min_eigenvalue_bound or 0):.3g}·I there). The split map S_λ (λ = {lam}, "
        f"unit copied, output weights λ·v_j and (1−λ)·v_j) is linear, so S_λx* lies in the ∞-norm box "
        f"of radius {float(radius):.3g} around this trap's point S_λc; ∇L_big(S_λθ) = T_λ∇L_small(θ) "
        f"exactly, so S_λx* is critical. Over that whole box vᵀ∇²L v ∈ {curv.str(5, radius=True)} < 0 "
        f"(float64 enclosure with rounding bounded, quadratic form in balls) for {direction}: a critical "
        f"point with a direction of negative curvature, not a local minimum"
    )


def _join(values: Sequence[Fraction]) -> str:
    return ", ".join(str(x) for x in values)


def _split_text(u: Sequence[Fraction]) -> str:
    return f"the split direction v (δw_a = (1−λ)u, δw_b = −λu) of u = ({_join(u)})"


def _lambda_finding(
    case: SplitCase,
    small: _Small,
    lam: Fraction,
    rule: Callable[[Fraction, int], int],
    record: SplitRecord | None,
    side: Side = "saddles",
) -> Agrees | Found | Undecided | None:
    """Decide one split ratio λ against ``rule`` (the predicted sign of the curvature along each split
    direction). A certified contradiction is `Found` on either ``side``. Otherwise, with ``side`` =
    "saddles", a predicted saddle must be proved (`Agrees` "saddle proved", else `Undecided`); with
    "minima", a predicted minimum must look like one numerically (`Agrees` "minimum (numerical)", else
    `Undecided`). None: λ's prediction is the other side's business and no contradiction was proved."""
    import flint
    import numpy as np

    from badminima.verify.box import _Box
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify
    from badminima.verify.descent import rational_direction
    from badminima.verify.numerics import float_derivatives

    big, center = split_point(case.network, small.center, case.unit, lam)
    radius = max(Fraction(1), abs(lam), abs(1 - lam)) * small.radius
    box = _Box(big, case.dataset, center, PRECISION)
    grad = box.gradient_bound()
    if record is not None:
        record.gradient_worst = max(record.gradient_worst, float(grad))
    if grad > TINY_GRADIENT:
        return Undecided(f"λ = {lam}: the split centre's gradient norm ≤ {float(grad):.3g} is not tiny")
    H_enc = box.hessian(radius)
    if not H_enc.is_finite():
        return Undecided(f"λ = {lam}: the Hessian enclosure overflowed")
    ball = box.ball

    def trap(what: str) -> Trap:
        return Trap(
            big, case.dataset, center, name="unit-splitting-split-point", description=what, source=SOURCE
        )

    derivatives = float_derivatives(big, case.dataset, center)
    hess = derivatives[2]
    predicted = [rule(lam, s) for s in small.signs]
    saddle_proved: CertifiedTrap | None = None
    with ball.context():
        H = flint.arb_mat(H_enc.balls().tolist())
        for u, s, uAu, want in zip(small.directions, small.signs, small.uAu, predicted, strict=True):
            v = split_direction(case.network, case.unit, lam, u)
            curv = _quadratic(ball, H, v)
            formula = ball.constant(lam * (1 - lam)) * uAu
            if record is not None:
                record.directions += 1
                vf = np.array([float(x) for x in v])
                lhs, rhs = float(vf @ hess @ vf), float(formula.mid())
                record.identity_worst = max(record.identity_worst, abs(lhs - rhs) / max(abs(rhs), 1e-300))
            got = ball.sign(curv)
            if not curv.overlaps(formula):
                return Found(
                    "the curvature identity vᵀ∇²L v = λ(1−λ)uᵀAu fails",
                    CertifiedTrap(
                        trap("split point where the curvature identity fails"),
                        None,
                        f"over a box containing S_λx* (λ = {lam}), vᵀ∇²L v ∈ {curv.str(5, radius=True)}, "
                        f"but over a box containing x*, λ(1−λ)uᵀAu ∈ {formula.str(5, radius=True)}: disjoint",
                    ),
                )
            if got == -want and got == -1:
                proof = _saddle_proof(small, lam, _split_text(u), radius, curv)
                return Found(
                    f"A {small.cls}, λ = {lam}: negative curvature proved where the rule predicts positive",
                    CertifiedTrap(
                        trap("a proved saddle where positive split curvature is predicted"), None, proof
                    ),
                )
            if got == -want and got == 1:
                return Found(
                    f"A {small.cls}, λ = {lam}: positive curvature proved where the rule predicts negative",
                    CertifiedTrap(
                        trap("split point whose split curvature has the opposite sign to the prediction"),
                        None,
                        f"S_λx* (λ = {lam}) lies in the ∞-norm box of radius {float(radius):.3g} around this "
                        f"point and over that box vᵀ∇²L v ∈ {curv.str(5, radius=True)} > 0 for the split "
                        f"direction v of u = ({_join(u)}), while uᵀAu has proved sign "
                        f"{s:+d} and the rule predicts a negative curvature",
                    ),
                )
            if want < 0 and got == -1 and saddle_proved is None:
                saddle_proved = CertifiedTrap(
                    trap(f"a split of a strict minimum (λ = {lam}, A {small.cls}): a proved saddle"),
                    None,
                    _saddle_proof(small, lam, _split_text(u), radius, curv),
                )
    eig, vecs = np.linalg.eigh(hess)
    top = max(1.0, float(np.max(np.abs(eig))))
    if record is not None and rule is fukumizu_amari_sign:
        record.inertia_checked += 1
        expected = sum(1 for w in np.linalg.eigvalsh(float(lam * (1 - lam)) * small.A_mid) if w < 0)
        record.inertia_matches += int(int(np.sum(eig < -ZERO_EIGENVALUE * top)) == expected)
    if min(predicted) < 0:
        if side == "minima":
            return None
        if saddle_proved is None:
            return Undecided(f"A {small.cls}, λ = {lam}: negative split curvature not proved")
        if record is not None:
            record.saddles += 1
        return Agrees("saddle proved", saddle_proved)
    # The minima side: a second-order proof is impossible (the line's tangent is in the kernel).
    zero = int(np.sum(np.abs(eig) <= ZERO_EIGENVALUE * top))
    if float(eig[0]) < -ZERO_EIGENVALUE * top:
        w = rational_direction(vecs[:, 0])
        with ball.context():
            curv = _quadratic(ball, flint.arb_mat(H_enc.balls().tolist()), w)
        if curv < 0:
            return Found(
                f"A {small.cls}, λ = {lam}: a proved saddle where a local minimum is predicted",
                CertifiedTrap(
                    trap("a proved saddle where a local minimum is predicted"),
                    None,
                    _saddle_proof(small, lam, f"v = ({_join(w)})", radius, curv),
                ),
            )
        if side == "saddles":
            return None
        return Undecided(f"A {small.cls}, λ = {lam}: a negative float eigenvalue {eig[0]:.3g}, not proved")
    if side == "saddles":
        return None
    # A proof through the exact invariance: reduce to the narrower network, prove its minimum, lift
    # (verify.lift: the Hessian restricted to the complement of the line is proved positive over a tube).
    split = trap(f"a split of a strict minimum (λ = {lam}, A {small.cls}): a proved local minimum")
    cert = certify(split, probes=0)
    if cert.verdict is Verdict.SADDLE:
        return Found(
            f"A {small.cls}, λ = {lam}: a proved saddle where a local minimum is predicted",
            CertifiedTrap(split, cert, cert.reason),
        )
    if not cert.verdict.is_minimum:
        return Undecided(
            f"A {small.cls}, λ = {lam}: the lifted minimum was not proved ({cert.code}: {cert.reason}); "
            f"{zero} near-zero float eigenvalue(s)"
        )
    if record is not None:
        record.minima += 1
    return Agrees("minimum proved", CertifiedTrap(split, cert, cert.reason))


def examine_split(
    case: SplitCase,
    *,
    rule: Callable[[Fraction, int], int] = fukumizu_amari_sign,
    starts: int = STARTS,
    record: SplitRecord | None = None,
    minimum: tuple[Trap, Certificate] | None = None,
    side: Side = "saddles",
) -> Finding:
    """Certify a strict minimum of the small network, split it at every λ of ``case`` and decide each
    split point against ``rule`` (default: Fukumizu–Amari's sign of λ(1−λ)uᵀAu). ``minimum`` reuses a
    certified minimum of the small network (the tests' hand-built examples). ``side`` says which
    claim is checked: "saddles" (`SADDLES`, certified) or "minima" (`MINIMA`, numerical).

    Returns `Found` for a certified contradiction (on either side), `Undecided` when some λ of this
    side could not be decided, `Skip` when no λ of ``case`` is predicted on this side (e.g. A indefinite
    for the minima), else `Agrees` labelled by A's definiteness and what was seen.
    """
    found = minimum or small_minimum(case.network, case.dataset, starts=starts, start=case.start)
    if isinstance(found, Skip):
        return found
    small = _analyse_small(case, *found)
    if isinstance(small, Skip):
        return small
    kinds: set[str] = set()
    witness: CertifiedTrap | None = None
    for lam in case.lambdas:
        finding = _lambda_finding(case, small, lam, rule, record, side)
        if isinstance(finding, (Found, Undecided)):
            return finding
        if finding is None:
            continue
        kinds.add(finding.label)
        witness = witness or finding.witness
    if not kinds:
        what = {"saddles": "a saddle", "minima": "a local minimum"}[side]
        return Skip(f"A {small.cls}: no split ratio of the example is predicted {what}")
    if record is not None:
        record.saw(small.cls)
    return Agrees(f"A {small.cls}: {', '.join(sorted(kinds))}", witness)


@st.composite
def definite_splits(draw: st.DrawFn) -> SplitCase:
    """A constructed minimum with A definite (`definite_case`, sign drawn) split at two drawn ratios, one
    in (0, 1) and one outside [0, 1]: whatever A's sign, one of them is predicted a local minimum."""
    case = definite_case(draw(st.sampled_from((1, -1))))
    d = draw(st.integers(2, 6))
    inside = Fraction(draw(st.integers(1, d - 1)), d)
    outside = draw(rationals(max_numerator=6, max_denominator=4).filter(lambda q: q < 0 or q > 1))
    return SplitCase(case.network, case.dataset, case.unit, (inside, outside), case.start)


def _hunt(
    settings: Settings,
    progress: Callable[[int, int], None] | None,
    side: Side,
    strategy: Any,
    record: SplitRecord,
) -> Hunt[SplitCase]:
    """Hunt over ``strategy`` after the two constructed definite cases, on one thread; the certified small
    minimum of a case with a ``start`` (the constructed ones) is computed once per run."""
    import torch

    cache: dict[tuple[Network, Dataset, Point], tuple[Trap, Certificate] | Skip] = {}

    def examine(case: SplitCase) -> Finding:
        minimum = None
        if case.start is not None:
            key = (case.network, case.dataset, case.start)
            if key not in cache:
                cache[key] = small_minimum(case.network, case.dataset, start=case.start)
            found = cache[key]
            if isinstance(found, Skip):
                return found
            minimum = found
        return examine_split(case, record=record, minimum=minimum, side=side)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return hunt(
            strategy,
            examine,
            settings,
            explicit=[definite_case(1), definite_case(-1)],
            max_shrinks=10,
            progress=progress,
        )
    finally:
        torch.set_num_threads(threads)


def _small_line(record: SplitRecord) -> str:
    classes = ", ".join(f"{k} {n}" for k, n in sorted(record.classes.items())) or "none"
    return (
        f"small networks: a strict local minimum certified by `certify` (ball box method; {STARTS} Adam "
        f"starts, Newton-polished); A enclosed in {PRECISION}-bit balls over the certified box, its "
        f"definiteness proved (Sylvester minors, or uᵀAu of both signs); examples counted: {classes}"
    )


def _run_saddles(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    record = SplitRecord()
    h = _hunt(settings, progress, "saddles", split_cases(), record)
    evidence = [
        _small_line(record),
        f"certified: {record.saddles} split point(s) the sign rule calls saddles, each proved critical "
        f"(exact split lemma, S_λ of the certified minimiser x*) with vᵀ∇²L v < 0 over a box containing "
        f"S_λx*",
        "split points the rule calls local minima are not counted as agreement here (no proof of a minimum "
        f"exists at second order; see {MINIMA}); on them only a proved contradiction would count: a proved "
        "direction of negative curvature, or a split curvature of proved opposite sign",
        f"curvature identity vᵀ∇²L v = λ(1−λ)uᵀAu: enclosures overlap on all {record.directions} "
        f"split direction(s); float64 largest relative difference {record.identity_worst:.2g}",
        f"inertia (float): the big Hessian's index equals that of λ(1−λ)A at {record.inertia_matches} "
        f"of {record.inertia_checked} split point(s); largest proved ‖∇L_big(S_λc)‖ ≤ "
        f"{record.gradient_worst:.2g} (consistency: S_λc is as critical as c)",
        "first two examples: constructed minima with A positive and negative definite (`definite_case`); "
        f"then drawn examples (A nearly always indefinite), λ ∈ {{{', '.join(map(str, LAMBDAS))}}} and one "
        "drawn λ each",
    ]
    return h.outcome(claim, evidence=evidence)


def _run_minima(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    record = SplitRecord()
    strategy = definite_splits() if settings.profile == "ci" else st.one_of(definite_splits(), split_cases())
    h = _hunt(settings, progress, "minima", strategy, record)
    evidence = [
        _small_line(record),
        f"{record.minima} split point(s) the sign rule calls local minima are proved (non-strict) local "
        f"minima by `certify`: the Hessian is singular along the line, so the proof reduces to the "
        f"narrower network, proves its minimum, and lifts it — the Hessian restricted to the complement "
        f"of the line's direction is proved positive definite over a tube around it (Morse–Bott)",
        "a contradiction would still be certified: a float negative eigenvalue whose eigenvector is proved "
        "a direction of negative curvature over a box containing the critical point, or a split curvature "
        "of proved opposite sign",
        f"split points the rule calls saddles are {SADDLES}'s business and not counted here",
        "examples: the constructed minima with A positive and negative definite (`definite_case`) at "
        f"λ ∈ {{{', '.join(map(str, LAMBDAS))}}}, then the same minima at drawn λ (one in (0, 1), one "
        "outside [0, 1])"
        + ("" if settings.profile == "ci" else ", or drawn examples (skipped unless A is definite)"),
    ]
    return h.outcome(claim, evidence=evidence)


_STATEMENT = (
    "Let θ* be a strict local minimum of a one-hidden-layer network with H−1 smooth units; split hidden "
    "unit j into two with the same input weights w_j and output weights λ·v_j, (1−λ)·v_j. For every λ the "
    "split point is a critical point of the H-unit network. With A = v_j Σ_i ℓ'_i φ''(w_j·x̃_i) x̃_i x̃_iᵀ "
    "(ℓ'_i = ∂L/∂f(x_i)): if A is positive definite, the points with λ ∈ (0,1) are local minima and those "
    "with λ ∉ [0,1] saddles; if A is negative definite, the reverse; if A is indefinite, all are saddles."
)

_HYPOTHESES = (
    "one hidden layer of tanh units (H−1 ∈ {1, 2}), identity output, mse, biases; 1 or 2 inputs",
    "θ* is a strict local minimum of the small network, proved by `certify` (box method)",
    "A is non-singular over the certified box, its definiteness (or indefiniteness) proved in balls",
    "λ ∉ {0, 1}",
)

CLAIMS = (
    Claim(
        name=SADDLES,
        title="Splitting a unit of a minimum gives critical points; those the sign rule calls saddles are",
        source=PAPER,
        statement=(
            f"{_STATEMENT} This claim covers the critical line and the saddle side: every split point the "
            "rule calls a saddle is a critical point with a direction of negative curvature (along "
            "δw_a = (1−λ)u, δw_b = −λu the curvature is λ(1−λ)uᵀAu). The minima side is "
            f"{MINIMA}."
        ),
        hypotheses=(
            *_HYPOTHESES,
            "split points the rule calls local minima are not counted as agreement (only a proved "
            "contradiction there counts)",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 1, "dev": 8, "thorough": 40},
        run=_run_saddles,
    ),
    Claim(
        name=MINIMA,
        title="Splitting a unit of a minimum: the split points the sign rule calls minima are minima",
        source=PAPER,
        statement=(
            f"{_STATEMENT} This claim covers the minima side: the split points the rule calls local "
            "minima (A definite) are local minima. The Hessian there is singular (the line's tangent); "
            "each is proved through the exact duplicated-unit invariance (reduce, certify, lift); the "
            f"saddle side is {SADDLES}."
        ),
        hypotheses=(*_HYPOTHESES[:2], "A is definite over the certified box, proved in balls", "λ ∉ {0, 1}"),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 1, "dev": 6, "thorough": 30},
        run=_run_minima,
    ),
)
