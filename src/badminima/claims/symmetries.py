"""Weight-space symmetries leave the loss unchanged — checked exactly, never to a tolerance.

Chen, Lu & Hecht-Nielsen (1993) and Dinh, Pascanu, Bengio & Bengio (2017). A hidden layer adds
``Σ_j c_j φ(w_j·a + b_j)`` to the next layer (``c_j`` the unit's outgoing column), so:

* permuting the units permutes the terms of the sum: the network is unchanged, for every φ;
* tanh is odd: ``c·tanh(w·a + b) = (−c)·tanh(−w·a − b)`` (a sign flip, also for identity units);
* ``σ(−z) = 1 − σ(z)``: ``c·σ(w·a + b) = c + (−c)·σ(−w·a − b)``, the constant ``c`` absorbed by the next
  layer's bias (so a sigmoid flip needs biases);
* relu and leaky relu are positively homogeneous, ``φ(αz) = αφ(z)`` for α > 0, so
  ``c·φ(w·a + b) = (c/α)·φ(αw·a + αb)``; identity units allow every α ≠ 0.

The network function is unchanged on every input, hence the loss on every dataset. The actions are
`badminima.landscape.symmetries` (`permute_units`, `flip_unit`, `rescale_unit`); this claim checks that
they — and compositions of them — leave the loss *exactly* unchanged.

How equality is decided
    *Piecewise-linear hidden units, identity output, mse:* the loss at rational parameters is rational;
    both losses are computed in `ExactArithmetic` and compared as Fractions.

    *Sigmoid or tanh, one hidden layer, identity output, mse:* every first-layer pre-activation ``z`` (of
    the point and of its image) is rational, so all of them are integer multiples ``z = m·q`` of their
    gcd ``q`` (``q = 1`` when all vanish). With ``s = e^q``::

        σ(z) = s^m / (s^m + 1),            tanh(z) = (s^{2m} − 1) / (s^{2m} + 1)      (m ≥ 0),
        σ(z) = 1 / (1 + s^{−m}),           tanh(z) = (1 − s^{−2m}) / (1 + s^{−2m})   (m < 0),

    and the output layer and the mse use only ``+ − × ÷`` with rationals, so the loss is ``R(s)`` for a
    rational function ``R ∈ Q(s)`` — computed here by running the package's own `loss` with an arithmetic
    whose numbers are pairs of python-flint ``fmpq_poly`` (numerator, denominator). By the
    Lindemann–Weierstrass theorem ``e^q`` is transcendental for rational ``q ≠ 0``: no non-zero
    polynomial with rational coefficients vanishes at ``s``. Hence ``R₁(s) = R₂(s)`` if and only if
    ``R₁ = R₂`` in ``Q(s)``, i.e. ``num₁·den₂ − num₂·den₁`` is the zero polynomial: identical rational
    functions prove the losses equal, different ones prove them different. (This is the brief's
    ``t = e^{1/D}`` with ``D`` the lcm of the denominators, raised to the power ``q·D``: the same
    argument with the smallest degrees.) A difference is reported only when, in addition, 1000-bit ball
    enclosures of the two losses are disjoint.

    *Out of scope (skipped):* a sigmoid output or bce (σ or log of a rational function of ``s``), and
    smooth networks with two or more hidden layers (σ of a transcendental number). Equality of such
    exp-log constants has no known decision procedure (it would follow from Schanuel's conjecture), and a
    ball comparison could only ever answer "undecided"; the strategy does not draw them.

References:
    A. M. Chen, H. Lu, R. Hecht-Nielsen, "On the geometry of feedforward neural network error
    surfaces", Neural Computation 5(6), 1993 (permutations and sign flips).
    L. Dinh, R. Pascanu, S. Bengio, Y. Bengio, "Sharp minima can generalize for deep nets", ICML 2017
    (rescaling of ReLU units).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from typing import TYPE_CHECKING, Any, Literal

from hypothesis import strategies as st

from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Claim,
    Finding,
    Found,
    Outcome,
    Settings,
    Skip,
    Undecided,
    hunt,
)
from badminima.errors import BackendError
from badminima.model.dataset import Dataset
from badminima.model.network import PIECEWISE_LINEAR, Network
from badminima.model.point import Point
from badminima.model.trap import Trap
from badminima.strategies import datasets, networks, points

if TYPE_CHECKING:
    import flint

    from badminima.arithmetic.protocol import Arithmetic

SMOOTH = ("sigmoid", "tanh")
BALL_BITS = 1000
"""Precision of the ball enclosures that must also separate two losses before a difference is reported."""

ActionKind = Literal["permute", "flip", "rescale"]


@dataclass(frozen=True)
class Action:
    """One generator of the symmetry group, acting on hidden layer ``layer`` (1-based): a permutation
    ``perm`` of its units (unit ``i`` becomes old unit ``perm[i]``), a flip of unit ``unit`` (0-based),
    or a rescaling of unit ``unit`` by ``alpha`` (α < 0 only for identity units: a flip, then |α|)."""

    kind: ActionKind
    layer: int
    perm: tuple[int, ...] = ()
    unit: int = 0
    alpha: Fraction = Fraction(1)

    def apply(self, network: Network, point: Point) -> Point:
        """The image of ``point`` under this action, exact (Fractions in, Fractions out).

        Raises:
            InvalidModelError: the action is not a symmetry of ``network`` (`landscape.symmetries`).
        """
        from badminima.landscape.symmetries import flip_unit, permute_units, rescale_unit

        flat: Sequence[Fraction] = point.flatten()
        if self.kind == "permute":
            flat = permute_units(network, flat, self.layer, self.perm)
        elif self.kind == "flip":
            flat = flip_unit(network, flat, self.layer, self.unit)
        else:
            if self.alpha < 0:
                flat = flip_unit(network, flat, self.layer, self.unit)
            flat = rescale_unit(network, flat, self.layer, self.unit, abs(self.alpha))
        return Point.unflatten(network, flat)

    def describe(self) -> str:
        """E.g. ``flip unit 0 of layer 1``, ``permute layer 2 by (1, 0)``, ``rescale unit 1 of layer 1
        by 3/2``."""
        if self.kind == "permute":
            return f"permute layer {self.layer} by {self.perm}"
        if self.kind == "flip":
            return f"flip unit {self.unit} of layer {self.layer}"
        return f"rescale unit {self.unit} of layer {self.layer} by {self.alpha}"


@dataclass(frozen=True)
class SymmetryExample:
    """A network, a dataset, a point, and ``image``: the point under the transformation described by
    ``action`` (a composition of `Action`, or any hand-made map under test)."""

    network: Network
    dataset: Dataset
    point: Point
    image: Point
    action: str
    kinds: tuple[str, ...] = ()


# --- exact values of smooth one-hidden-layer losses: rational functions of s = e^q ------------------


@dataclass(frozen=True, eq=False)
class ExpRational:
    """The number ``num(s)/den(s)`` with ``s = e^q``, ``num``/``den`` ``fmpq_poly`` (den ≠ 0).

    Not normalised: ``a/b + c/d = (ad + cb)/(bd)`` unless ``b = d``. Identity of rational functions is
    `same_as` (cross-multiplication), which — ``s`` being transcendental — is equality of the values.
    """

    num: flint.fmpq_poly
    den: flint.fmpq_poly

    @staticmethod
    def constant(q: Fraction | int) -> ExpRational:
        """The rational ``q``."""
        import flint

        from badminima.arithmetic.flint_bridge import to_fmpq

        return ExpRational(flint.fmpq_poly([to_fmpq(q)]), flint.fmpq_poly([1]))

    @staticmethod
    def _lift(other: Any) -> ExpRational | None:
        if isinstance(other, ExpRational):
            return other
        if isinstance(other, Fraction | int):
            return ExpRational.constant(other)
        return None

    def __add__(self, other: Any) -> ExpRational:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        if self.den == o.den:
            return ExpRational(self.num + o.num, self.den)
        return ExpRational(self.num * o.den + o.num * self.den, self.den * o.den)

    __radd__ = __add__

    def __neg__(self) -> ExpRational:
        return ExpRational(-self.num, self.den)

    def __sub__(self, other: Any) -> ExpRational:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return self + (-o)

    def __rsub__(self, other: Any) -> ExpRational:
        return -self + other

    def __mul__(self, other: Any) -> ExpRational:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return ExpRational(self.num * o.num, self.den * o.den)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> ExpRational:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        if o.num == 0:
            raise ZeroDivisionError("division by the zero rational function")
        return ExpRational(self.num * o.den, self.den * o.num)

    def __rtruediv__(self, other: Any) -> ExpRational:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return o / self

    def same_as(self, other: ExpRational) -> bool:
        """True when the two are the same rational function: ``num₁·den₂ = num₂·den₁``."""
        return bool(self.num * other.den == other.num * self.den)

    def as_rational(self) -> Fraction | None:
        """The value when both polynomials are constants (a rational number), else None."""
        if self.num.degree() > 0 or self.den.degree() > 0:
            return None
        from badminima.arithmetic.flint_bridge import to_fraction

        return to_fraction(self.num[0]) / to_fraction(self.den[0])

    @property
    def degree(self) -> int:
        """The larger of the numerator's and denominator's degrees."""
        return max(self.num.degree(), self.den.degree())

    def value(self, base: Fraction, *, precision: int) -> flint.arb:
        """A ball at ``precision`` bits enclosing ``num(e^base)/den(e^base)``."""
        import flint

        from badminima.arithmetic.flint_bridge import to_arb

        with flint.ctx.workprec(precision):
            s = to_arb(base).exp()
            return flint.arb_poly(self.num)(s) / flint.arb_poly(self.den)(s)

    def __repr__(self) -> str:
        return f"ExpRational(({self.num}) / ({self.den}))"


@functools.cache
def _exp_rational_arithmetic_class() -> type:
    # Built on first use: the object-array base class imports the arithmetic package (and torch), which
    # `badminima claims list` must not pay for.
    from badminima.arithmetic.objectarray import ObjectArrayArithmetic
    from badminima.arithmetic.protocol import Rigor

    class ExpRationalArithmetic(ObjectArrayArithmetic):
        """Rational functions of ``s = e^base``: exact values of sigmoid/tanh units whose pre-activations
        are integer multiples of ``base``."""

        name = "exp-rational"
        rigor: Rigor = "exact"

        def __init__(self, base: Fraction) -> None:
            if base <= 0:
                raise BackendError(f"exp-rational base: expected a positive rational, got {base!r}")
            self.base = base

        def constant(self, q: Fraction) -> Any:
            return ExpRational.constant(q)

        def _power(self, x: Any, factor: int) -> tuple[flint.fmpq_poly, bool]:
            """``s^{|k|}`` and whether ``k ≥ 0``, for ``factor·z = k·base``."""
            import flint

            z = x.as_rational() if isinstance(x, ExpRational) else Fraction(x)
            if z is None:
                raise BackendError(
                    "exp-rational arithmetic: a smooth unit's pre-activation is not rational (only one "
                    "smooth hidden layer is covered)"
                )
            k = factor * z / self.base
            if k.denominator != 1:
                raise BackendError(f"exp-rational arithmetic: {z} is not a multiple of the base {self.base}")
            m = int(k)
            return flint.fmpq_poly([0] * abs(m) + [1]), m >= 0

        def sigmoid1(self, x: Any) -> Any:
            import flint

            p, nonnegative = self._power(x, 1)
            one = flint.fmpq_poly([1])
            return ExpRational(p, p + 1) if nonnegative else ExpRational(one, 1 + p)

        def tanh1(self, x: Any) -> Any:
            p, nonnegative = self._power(x, 2)
            return ExpRational(p - 1, p + 1) if nonnegative else ExpRational(1 - p, 1 + p)

        def softplus1(self, x: Any) -> Any:
            raise BackendError("exp-rational arithmetic has no softplus (log(1 + e^z) is not rational in s)")

        def sign(self, x: Any) -> int | None:
            exact = x.as_rational() if isinstance(x, ExpRational) else Fraction(x)
            if exact is not None:
                return (exact > 0) - (exact < 0)
            for bits in (128, BALL_BITS):
                ball = x.value(self.base, precision=bits)
                if ball > 0:
                    return 1
                if ball < 0:
                    return -1
            return None

        def to_float(self, x: Any) -> float:
            if not isinstance(x, ExpRational):
                return float(x)
            return float(x.value(self.base, precision=64).mid())

    return ExpRationalArithmetic


def exp_rational_arithmetic(base: Fraction) -> Arithmetic:
    """An exact arithmetic whose numbers are `ExpRational`: rational functions of ``s = e^base``.

    ``sigmoid``/``tanh`` accept only rational arguments that are (twice, for tanh) integer multiples of
    ``base``; everything else is field arithmetic in ``Q(s)``. Running `badminima.landscape.losses` in it
    gives the exact loss of a one-hidden-layer sigmoid/tanh network with identity output and mse.

    Raises:
        BackendError: ``base ≤ 0``.

    Example:
        >>> from badminima.model import Dataset, Network, Point
        >>> from badminima.landscape import loss
        >>> net = Network((1, 1, 1), "tanh", bias=False)
        >>> R = loss(net, Dataset.of([[1]], [[0]]), Point.of([([[1]], None), ([[1]], None)]),
        ...          arith=exp_rational_arithmetic(Fraction(1)))
        >>> import flint
        >>> s = flint.fmpq_poly([0, 1])
        >>> R.same_as(ExpRational((s**2 - 1) ** 2, (s**2 + 1) ** 2))  # tanh(1)² = ((e²−1)/(e²+1))²
        True
        >>> import math
        >>> abs(float(R.value(Fraction(1), precision=64).mid()) - math.tanh(1) ** 2) < 1e-15
        True
    """
    arith: Arithmetic = _exp_rational_arithmetic_class()(base)
    return arith


def exponential_base(network: Network, dataset: Dataset, pts: Sequence[Point]) -> Fraction:
    """The gcd ``q > 0`` of the first-layer pre-activations ``z`` of every point in ``pts`` on every
    input (``1`` when they all vanish): each ``z`` is then ``m·q`` with ``m`` an integer.

    The pre-activations come from the package's forward pass on the first layer alone, in exact arithmetic.

    Example:
        >>> from badminima.model import Network, Point
        >>> net = Network((1, 2, 1), "tanh", bias=False)
        >>> exponential_base(net, Dataset.of([[1], [2]], [[0], [0]]), [Point.of([([[1], ["1/2"]], None),
        ...                  ([[1, 1]], None)])])
        Fraction(1, 2)
    """
    from badminima.arithmetic import ExactArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    exact = ExactArithmetic()
    first = Network(network.widths[:2], "identity", bias=network.bias)
    inputs = exact.matrix(list(zip(*dataset.X, strict=True)))
    numerators, denominators = 0, 1
    for point in pts:
        params = unflatten(first, exact.vector(Point(point.layers[:1]).flatten()))
        for z in forward(first, params, inputs, arith=exact).logits.ravel():
            z = Fraction(z)
            numerators = gcd(numerators, z.numerator)
            denominators = lcm(denominators, z.denominator)
    return Fraction(numerators, denominators) if numerators else Fraction(1)


def exact_scope(network: Network) -> str | None:
    """Why ``network`` is outside the exact check's scope, or None when it is inside."""
    if network.depth < 2:
        return "no hidden layer (no symmetries)"
    if network.output != "identity" or network.loss != "mse":
        return "sigmoid output or bce (the exact loss involves σ or log of a transcendental number)"
    if network.activation in SMOOTH and network.depth > 2:
        return "two or more sigmoid/tanh hidden layers (no exact equality test)"
    return None


def examine(example: SymmetryExample) -> Finding:
    """Decide exactly whether the loss at ``example.point`` equals the loss at ``example.image``.

    Agrees when they are proved equal; Found (with a proof) when proved different; Skip outside the
    exact scope (`exact_scope`); Undecided if the rational functions differ but 1000-bit balls cannot
    separate the values (cannot happen mathematically; reported rather than assumed).
    """
    net, data, point, image = example.network, example.dataset, example.point, example.image
    reason = exact_scope(net)
    if reason is not None:
        return Skip(reason)
    kinds = "+".join(sorted(set(example.kinds))) or "map"
    if net.activation in PIECEWISE_LINEAR:
        from badminima.arithmetic import ExactArithmetic
        from badminima.landscape import loss

        exact = ExactArithmetic()
        before, after = loss(net, data, point, arith=exact), loss(net, data, image, arith=exact)
        if before == after:
            return Agrees(f"{net.activation} {kinds}: equal as exact rationals")
        proof = (
            f"{example.action}: the exact losses (rational, ExactArithmetic) are {before} at the point and "
            f"{after} at its image, which differ"
        )
        return Found(
            f"{net.activation} {kinds}: exact losses differ", _certified(example, before, after, proof)
        )
    return _examine_smooth(example, kinds)


def _examine_smooth(example: SymmetryExample, kinds: str) -> Finding:
    from badminima.arithmetic import BallArithmetic
    from badminima.landscape import loss

    net, data, point, image = example.network, example.dataset, example.point, example.image
    base = exponential_base(net, data, (point, image))
    arith = exp_rational_arithmetic(base)
    before, after = loss(net, data, point, arith=arith), loss(net, data, image, arith=arith)
    if before.same_as(after):
        return Agrees(f"{net.activation} {kinds}: equal as rational functions of e^q")
    ball = BallArithmetic(BALL_BITS)
    b_before, b_after = loss(net, data, point, arith=ball), loss(net, data, image, arith=ball)
    if not (b_before < b_after or b_after < b_before):
        return Undecided(
            f"{net.activation} {kinds}: the losses differ as rational functions of e^{base} but "
            f"{BALL_BITS}-bit balls overlap"
        )
    diff = before.num * after.den - after.num * before.den
    proof = (
        f"{example.action}: with s = e^({base}) every first-layer pre-activation is an integer multiple of "
        f"{base}, and the loss is a rational function of s: R(point) and R(image) differ (num·den' − "
        f"num'·den is a non-zero polynomial of degree {diff.degree()}); s is transcendental "
        f"(Lindemann–Weierstrass), so the losses differ. {BALL_BITS}-bit ball enclosures of the "
        f"losses, {b_before.str(20)} at the point and {b_after.str(20)} at its image, are disjoint"
    )
    return Found(f"{net.activation} {kinds}: losses differ", _certified(example, b_before, b_after, proof))


def _certified(example: SymmetryExample, before: Any, after: Any, proof: str) -> CertifiedTrap:
    # The trap's `better` is the point with the lower loss (the image when the map lowered it).
    lower, higher = (example.image, example.point) if after < before else (example.point, example.image)
    trap = Trap(
        example.network,
        example.dataset,
        higher,
        better=lower,
        name="symmetry counterexample",
        description=f"{example.action} changes the loss ({'image' if lower is example.image else 'point'} "
        f"is lower)",
        source="badminima claims symmetries-preserve-loss",
    )
    return CertifiedTrap(trap, None, proof)


# --- what hypothesis draws ----------------------------------------------------------------------------

_scales = st.builds(Fraction, st.integers(1, 4), st.integers(1, 4)).filter(lambda a: a != 1)


@st.composite
def symmetry_actions(draw: st.DrawFn, network: Network) -> Action:
    """One generator the activation admits (`landscape.symmetries`): a permutation of a hidden layer, a
    flip (tanh, identity, sigmoid with biases) or a rescaling (relu, leaky relu: α > 0; identity: α ≠ 0)
    of one unit; α a small rational. Never the identity map unless nothing else is allowed (one sigmoid
    unit without biases); shrinks towards layer 1, a transposition, unit 0, α = 1/2 or 2."""
    from badminima.landscape.symmetries import has_scale_symmetry, has_sign_symmetry, hidden_layers

    layer = draw(st.sampled_from(list(hidden_layers(network))))
    width = network.widths[layer]
    kinds: list[ActionKind] = ["permute"] if width > 1 else []
    if has_sign_symmetry(network):
        kinds.append("flip")
    if has_scale_symmetry(network):
        kinds.append("rescale")
    # One sigmoid unit without biases admits nothing but the identity permutation.
    kind: ActionKind = draw(st.sampled_from(kinds or ["permute"]))
    if kind == "permute":
        identity = tuple(range(width))
        perm = draw(st.permutations(identity).filter(lambda p: width == 1 or tuple(p) != identity))
        return Action(kind, layer, perm=tuple(perm))
    unit = draw(st.integers(0, width - 1))
    if kind == "flip":
        return Action(kind, layer, unit=unit)
    alpha = draw(_scales)
    if network.activation == "identity" and draw(st.booleans()):
        alpha = -alpha
    return Action(kind, layer, unit=unit, alpha=alpha)


@st.composite
def symmetry_examples(draw: st.DrawFn, *, max_actions: int = 2, max_points: int = 4) -> SymmetryExample:
    """Examples inside the exact scope: a piecewise-linear network with 1-3 hidden layers or a
    sigmoid/tanh network with one, identity output and mse; a dataset, a point, and its image under a
    composition of 1..``max_actions`` drawn `symmetry_actions`."""
    out, mse = ("identity",), ("mse",)
    net = draw(
        st.one_of(
            networks(activations=PIECEWISE_LINEAR, min_hidden_layers=1, outputs=out, losses=mse),
            networks(activations=SMOOTH, min_hidden_layers=1, max_hidden_layers=1, outputs=out, losses=mse),
        )
    )
    data = draw(datasets(net, max_points=max_points))
    point = draw(points(net))
    actions = draw(st.lists(symmetry_actions(net), min_size=1, max_size=max_actions))
    image = point
    for action in actions:
        image = action.apply(net, image)
    return SymmetryExample(
        net,
        data,
        point,
        image,
        ", then ".join(a.describe() for a in actions),
        tuple(a.kind for a in actions),
    )


def _run(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    h = hunt(symmetry_examples(), examine, settings, progress=progress)
    return h.outcome(
        claim,
        evidence=[
            "each example: a network, a dataset, a rational point and its image under 1-2 drawn symmetries "
            "(permutations, flips, rescalings by small rationals, as the activation admits them)",
            "relu/leaky relu/identity (1-3 hidden layers): both losses are exact rationals "
            "(ExactArithmetic), compared with ==",
            "sigmoid/tanh (1 hidden layer): pre-activations are integer multiples of q, the loss is a "
            "rational function of s = e^q (python-flint polynomials), compared by cross-multiplication; "
            "e^q is transcendental (Lindemann–Weierstrass), so identical rational functions ⇔ equal losses",
            "sigmoid output, bce and deeper sigmoid/tanh networks are outside the exact scope: not drawn",
        ],
    )


CLAIMS = (
    Claim(
        name="symmetries-preserve-loss",
        title="Permuting, sign-flipping and rescaling hidden units leaves the loss exactly unchanged",
        source="Chen, Lu & Hecht-Nielsen 1993, Neural Computation; Dinh, Pascanu, Bengio & Bengio 2017, ICML",
        statement=(
            "For a feed-forward network, permuting the units of a hidden layer (any activation), "
            "flipping the signs of a tanh unit's incoming weights, bias and outgoing weights (tanh is "
            "odd), flipping a sigmoid unit and adding its outgoing weights to the next layer's bias "
            "(σ(−z) = 1 − σ(z)), and rescaling a ReLU or leaky-ReLU unit's incoming weights and bias by "
            "α > 0 and its outgoing weights by 1/α (positive homogeneity; any α ≠ 0 for identity units) "
            "leave the network function, hence the loss on every dataset, unchanged."
        ),
        hypotheses=(
            "a fully connected feed-forward network with at least one hidden layer; each map acts on one "
            "hidden layer's units and the next layer's weights (and bias, for a sigmoid flip)",
            "flips only for tanh and identity units, or sigmoid units when the layers have biases; "
            "rescalings by α > 0 only for relu and leaky relu units, by α ≠ 0 for identity units",
            "scope of the exact check: identity output and mse loss; relu/leaky relu/identity networks with "
            "1-3 hidden layers, or sigmoid/tanh networks with exactly one hidden layer (other networks are "
            "skipped: their loss is not in Q(e^q))",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 100, "dev": 300, "thorough": 3000},
        run=_run,
    ),
)
