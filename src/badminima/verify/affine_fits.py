"""Networks that act on the data as one affine map near the point, at the best fit that map allows: a
non-strict local minimum by convexity in the predictions.

Take an activation pattern (the signs of every hidden pre-activation on one data point) of some data
point with no kink — each is tried, the most common first — and call the points off it *free* (F).
While the strict signs hold — on the ∞-box B of radius R around θ̂, checked in balls — every layer acts
on the non-free points as one affine map, so

    z_i(θ) = M(θ) φ_i  (i ∉ F),    φ_i = (x_i, 1)  (x_i without biases),

and the free points' predictions are whatever they are: Z(B) lies in the linear space
S = {Z : z_i = M φ_i for i ∉ F, M any dL × d̃ matrix; z_i free for i ∈ F}, whatever rank the network
itself can realise. The loss is F(θ) = L(Z(θ)) = (1/N) Σ_i Σ_k ℓ(z_ki, y_ki). If

- (normal equations) Σ_{i∉F} ∂ℓ/∂z(ẑ_ki, y_ki) φ_i = 0 and ∂ℓ/∂z(ẑ_ki, y_ki) = 0 on every free point, for
  every output k, decided exactly in rationals (a sigmoid output is rational only at logit 0; elsewhere
  sympy decides or nothing is claimed), that is ∇L(Ẑ) ⊥ S, and
- (convexity) ∂²ℓ/∂z² > 0 on the logits' ranges over B (balls; `logit_curvature`, always true for an
  identity output with mse and for cross-entropy),

then for θ ∈ B the segment Ẑ → Z(θ) lies in S and in the interval hull of Z(B), on which L is convex
with zero slope along S at Ẑ, so F(θ) ≥ F(θ̂): a non-strict local minimum (code ``best-affine-fit``).

*Signed points* (`signed_points`): an off point whose slope is not 0 may still be kept when it is off the
common piece only because ReLU units sit exactly at their kink there, and each kink is proved to push the
logits only the way the loss does not want them.

It is the constant model of `kink_reductions` for every affine model: the narrower problem behind units
dead at a kink (`dead_kinks`) when the rest of the network is affine on the data, and a proof in its own
right where the Hessian is singular (ReLU rescaling orbits, units dead on the data, a deep linear
factorisation of one affine map) or where a kink sits on a point the fit already predicts perfectly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.least_squares import pivots
from badminima.errors import BackendError
from badminima.landscape.derivatives import logit_curvature, logit_slope
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import rounding_scale
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import with_units, without_units
from badminima.verify.kink_reductions import HEADS, BoxPredictions, Reduction
from badminima.verify.kink_units import DeadUnits
from badminima.verify.outcome import OnSlice, Outcome
from badminima.verify.parameter_box import signs_hold
from badminima.verify.rounding import rounding_box
from badminima.verify.signed_points import SignedSplit, kinks_push, signed_split
from badminima.verify.suboptimality import LossEnclosure, enclose_loss
from badminima.verify.symmetry_slices import slice_minima

AFFINE_RADII = tuple(Fraction(1, 2**k) for k in (2, 4, 8, 12, 16, 24, 32, 40))
"""Box radii R tried around a best affine fit, largest first."""


def free_points(network: Network, dataset: Dataset, point: Point) -> list[tuple[int, ...]]:
    """For each kink-free activation pattern, most common first, the data points off it (ascending;
    module docstring): [()] when every unit has one strict sign on every point (the network is affine on
    the data); [] when the hidden units are not piecewise linear or every point has a kink.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [2], [3]], [[0], [1], [0]])
        >>> free_points(net, data, Point.unflatten(net, [1, 0, 1, 0])), free_points(
        ...     net, data, Point.unflatten(net, [1, -2, 1, 0]))
        ([()], [(1, 2), (0, 1)])
    """
    if network.activation == "identity":
        return [()]
    if not network.is_piecewise_linear:
        return []
    signs = region_of(network, dataset, point).signs
    patterns = [tuple(unit[i] for layer in signs for unit in layer) for i in range(dataset.n_points)]
    strict = Counter(p for p in patterns if 0 not in p)
    return [tuple(i for i, p in enumerate(patterns) if p != common) for common, _ in strict.most_common()]


def features(network: Network, dataset: Dataset) -> list[tuple[Fraction, ...]]:
    """The columns spanning an affine model's predictions on the data: each input coordinate, and the
    constant 1 when the network has biases."""
    cols = [tuple(Fraction(row[m]) for row in dataset.X) for m in range(dataset.input_dim)]
    return cols + ([tuple(Fraction(1) for _ in dataset.X)] if network.bias else [])


def _exact_slopes(network: Network, dataset: Dataset, point: Point) -> Any:
    """∂ℓ/∂z(ẑ_ki, y_ki) (outputs × points) in rationals; None when the forward pass is not exact."""
    exact = ExactArithmetic()
    try:
        prob = prepare(network, dataset, point, arith=exact)
        with exact.context():
            fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks)
            return logit_slope(network, fwd.logits, prob.targets, arith=exact)
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None


def normal_equations_hold(
    network: Network, dataset: Dataset, point: Point, free: Sequence[int] = ()
) -> bool | None:
    """Whether Σ_{i∉free} ∂ℓ/∂z(ẑ_ki, y_ki) φ_i = 0 for every output k and feature column φ, and
    ∂ℓ/∂z(ẑ_ki, y_ki) = 0 on every ``free`` point, exactly: True, False (one of them proved non-zero) or
    None (undecided, or the forward pass is not exact).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1], [2]], [[0], [1], [0]])
        >>> normal_equations_hold(net, data, Point.unflatten(net, [0, 1, 0, 0]))  # E ⊥ span{1, x}? no
        False
    """
    return _normal_equations(network, dataset, _exact_slopes(network, dataset, point), free)


def _normal_equations(
    network: Network, dataset: Dataset, slopes: Any, free: Sequence[int], constant: bool = False
) -> bool | None:
    """`normal_equations_hold` from the exact slopes (`_exact_slopes`; None: undecided); ``constant``:
    over the constant model's features only (1, or none without biases)."""
    if slopes is None:
        return None
    exact = ExactArithmetic()
    try:
        with exact.context():
            fitted = [i for i in range(dataset.n_points) if i not in free]
            sums = [
                sum((slopes[k, i] * phi[i] for i in fitted), Fraction(0))
                for k in range(network.widths[-1])
                for phi in features(network, dataset)[dataset.input_dim if constant else 0 :]
            ]
            groups: dict[tuple[Fraction, ...], list[int]] = {}
            for i in free:  # points with one input share every prediction: their slopes' sum must vanish
                groups.setdefault(tuple(dataset.X[i]), []).append(i)
            sums += [
                sum((slopes[k, i] for i in group), Fraction(0))
                for k in range(network.widths[-1])
                for group in groups.values()
            ]
            signs = [exact.sign(s) for s in sums]
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None
    if all(s == 0 for s in signs):
        return True
    return False if any(s not in (0, None) for s in signs) else None


def _fit_box(
    network: Network,
    dataset: Dataset,
    point: Point,
    radius: Fraction,
    split: SignedSplit | None = None,
    slopes: Any = None,
) -> BoxPredictions | None:
    """The logits over the box of ``radius`` when every strict hidden sign holds there, ℓ is convex in
    the logits over them and each signed kink of ``split`` pushes (`signed_points.kinks_push`), else
    None."""
    pred = BoxPredictions(network, dataset, point, radius)
    ball = pred.ball
    with ball.context():
        region = pred.box.prob.region
        if region is not None and not signs_hold(ball, pred.forward.z[:-1], region.signs):
            return None
        if network.output == "sigmoid" and network.loss == "mse":
            curvature = logit_curvature(network, pred.logits, pred.box.prob.targets, arith=ball)
            if any(ball.sign(c) != 1 for c in curvature.flat):
                return None
        if split is not None:
            assert region is not None
            if not kinks_push(network, point, radius, region, split, slopes, ball):
                return None
    return pred


@dataclass(frozen=True)
class AffineFit:
    """A best affine fit proved on the ∞-box of ``radius`` around the point: the logits over that box
    (``predictions``) and the ``free`` data points (module docstring)."""

    radius: Fraction
    predictions: BoxPredictions
    free: tuple[int, ...]
    signed: tuple[DeadUnits, ...] = ()
    constant: bool = False

    def how(self, network: Network) -> str:
        """The proof in words."""
        span = "span{x, 1}" if network.bias else "span{x}"
        if self.constant:
            span = "span{1} (a hidden layer is dead on every fitted point: the network is constant there)"
            span = span if network.bias else "{0} (a hidden layer is dead on every fitted point)"
        convex = (
            "ℓ'' > 0 is proved over every logit the box produces (balls)"
            if network.output == "sigmoid" and network.loss == "mse"
            else "the loss is convex in the logits"
        )
        off = (
            f" on every data point but {', '.join(map(str, self.free))}, whose predictions are left free"
            if self.free
            else ""
        )
        zero = " and zero on those points" if self.free else ""
        kinks = [
            f"layer {dead.layer + 1} unit {j} on point {i}"
            for dead in self.signed
            for j, ks in dead.at_kinks
            for i in ks
        ]
        signed = (
            f"; at the kink(s) ({', '.join(kinks)}) each unit's output is its common piece's plus "
            f"c ≥ 0, which adds a·c to that point's logits, and the loss's gradient there has a positive "
            f"dot product with a over the box (balls), so by convexity it only adds"
            if kinks
            else ""
        )
        return (
            f"every strict hidden sign holds over the box (balls), so there the network is one affine map "
            f"of its input{off}: its predictions lie in {span} there; the loss's gradient in the "
            f"predictions is exactly orthogonal to that span{zero} (the normal equations of the best "
            f"affine fit, in rationals) and {convex}{signed}, so no prediction the box produces does better"
        )


def affine_fits(network: Network, dataset: Dataset, point: Point) -> Iterator[AffineFit]:
    """The best affine fits proved around the point (module docstring), one per radius of `AFFINE_RADII`
    that works, largest first; nothing when the point is not one."""
    if (network.output, network.loss) not in HEADS:
        return
    candidates = free_points(network, dataset, point)
    slopes = _exact_slopes(network, dataset, point) if candidates else None
    free = next((f for f in candidates if _normal_equations(network, dataset, slopes, f) is True), None)
    split: SignedSplit | None = None
    region = region_of(network, dataset, point) if free is None and network.activation == "relu" else None
    constant = False
    if region is not None:  # a hidden layer dead on every fitted point: the constant model's fit
        for off in candidates:
            if _silent_off(region, off) and _normal_equations(network, dataset, slopes, off, constant=True):
                free, constant = off, True
                break
    # points at a kink the loss's slope pushes away from
    if free is None and region is not None and region.kinks:
        for off in candidates:
            found = signed_split(network, dataset, region.signs, off, slopes)
            if found is not None and found.signed and _normal_equations(network, dataset, slopes, found.free):
                free, split = found.free, found
                break
    if free is None:
        return
    for radius in AFFINE_RADII:
        pred = _fit_box(network, dataset, point, radius, split, slopes)
        if pred is not None:
            yield AffineFit(radius, pred, free, () if split is None else split.signed, constant)


def _silent_off(region: Region, free: Sequence[int]) -> bool:
    """Whether some hidden layer has every unit strictly dead on every point outside ``free``: there the
    network is one constant (its later biases), whatever the parameters near the point."""
    return any(
        all(row[i] == -1 for row in layer for i in range(len(layer[0])) if i not in free)
        for layer in region.signs
    )


def fit_reductions(small: Network, dataset: Dataset, small_point: Point, point: Point) -> Iterator[Reduction]:
    """A narrower problem for the whole network's ``point``: the narrower network ``small`` (its
    parameters ``small_point``, the dead units removed) at an exact best affine fit, F_red ≥ F_red(θ̂) = F*
    on each box of `affine_fits`, attained at the point itself (its dead units contribute 0 there)."""
    widths = "-".join(map(str, small.widths))
    value = None
    for fit in affine_fits(small, dataset, small_point):
        value = value or enclose_loss(small, dataset, small_point)
        yield Reduction(
            point,
            fit.radius,
            value.lower,
            value.upper,
            fit.predictions,
            f"the network without them ({widths}) is at a best affine fit: {fit.how(small)}",
            "best-affine-fit",
        )


def affine_reductions(
    network: Network,
    dataset: Dataset,
    point: Point,
    units: Sequence[int],
    layer: int = -1,
    *,
    literal: bool = False,
    reach: Callable[[Point, Fraction], Fraction | None] | None = None,
) -> Iterator[Reduction]:
    """`dead_kinks`' narrower problem when the network without ``units`` of hidden layer ``layer`` (the
    last by default) is at a best affine fit: F_red ≥ F_red(θ̂) = F* on each box of `affine_fits`,
    attained at the point itself; then (unless ``literal``) one whose digits round a best affine fit
    (`nearby_affine_fit`). Its minimiser x* moves one layer: from the dead units' own layer on, nothing
    that feeds them changes and F* is attained with them as given; before it, ``reach(center, ρ)`` bounds
    their pre-activations over the ∞-box of radius ρ ≥ ‖x* − center‖, and F* is attained with their biases
    lowered by that ``shift`` (no such reduction without ``reach``, or when ρ or the shift is not inside
    the proof box).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[1], [2], [3], [4]], [[0], [1], [1], [0]])
        >>> kinked = Point.unflatten(net, [-1, 1, 1, 0, 0, 0, 0])  # unit 0 dead with a kink at x = 1
        >>> red = next(affine_reductions(net, data, kinked, [0]))
        >>> red.radius, red.code
        (Fraction(1, 4), 'best-affine-fit')
    """
    layer %= len(point.layers) - 1
    small, small_point = without_units(network, point, units, layer)
    widths = "-".join(map(str, small.widths))
    yield from fit_reductions(small, dataset, small_point, point)
    for near in () if literal else nearby_affine_fits(small, dataset, small_point):
        center = with_units(near.center, point, units, layer)
        shift, rho = Fraction(0), Fraction(0)
        if near.layer < layer:
            rise = None if reach is None else reach(center, near.slice_radius)
            if rise is None or not max(near.slice_radius, rise) < near.radius:
                continue
            shift, rho = rise, near.slice_radius
        yield Reduction(
            center,
            near.radius,
            near.loss_lower,
            near.loss_upper,
            near.predictions,
            f"the network without them ({widths}) rounds a best affine fit x*: {near.how(small)}",
            "best-affine-fit",
            shift,
            rho,
        )


def certify_affine_fit(network: Network, dataset: Dataset, point: Point) -> Outcome | None:
    """``local-min`` (code ``best-affine-fit``, non-strict) when the network is affine on the data near
    the point and its predictions are the best affine fit (module docstring); None otherwise.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[1], [2], [3], [4]], [[0], [1], [1], [0]])
        >>> certify_affine_fit(net, data, Point.unflatten(net, [1, -1, 0, 0, 0, 0, 0])).code
        'best-affine-fit'
    """
    fit = next(affine_fits(network, dataset, point), None)
    if fit is None:
        return None
    radius = fit.radius
    value = enclose_loss(network, dataset, point)
    return Outcome(
        Verdict.LOCAL_MIN,
        "interval",
        "best-affine-fit",
        f"{fit.how(network)}: every loss within {float(radius):.3g} (∞-norm) of the point is at least its "
        f"own, a non-strict local minimum",
        value,
        box_radius=radius,
        proof_radius=radius,
        box_center=point,
        code="best-affine-fit",
    )


def moving_layer(network: Network, dataset: Dataset, point: Point) -> tuple[int, list[int]] | None:
    """The latest layer whose parameters alone, every other layer and every piece held, move the logits
    on the data over every affine map of the input (the output layer when the last hidden features span
    the affine functions; the first layer whenever its later layers pass every output through; one that
    moves no number written exactly first), and the
    flat indices of a basis of them: (layer, indices); None when no layer does (or the forward pass is not
    exact). With the pieces held the logits are affine in one layer's parameters, so unit differences are
    exact columns."""
    arith = ExactArithmetic()
    try:
        prob = prepare(network, dataset, point, arith=arith)
        flat = [Fraction(v) for v in prob.flat]

        def logits(params: Sequence[Fraction]) -> list[Fraction]:
            with arith.context():
                vec = arith.vector(params)
                fwd = forward(network, unflatten(network, vec), prob.inputs, arith=arith, masks=prob.masks)
            return [Fraction(v) for v in fwd.z[-1].flat]

        base = logits(flat)
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None
    n, k_out = dataset.n_points, network.widths[-1]
    zero = (Fraction(0),) * n
    affine = [
        zero * k + phi + zero * (k_out - 1 - k) for k in range(k_out) for phi in features(network, dataset)
    ]
    rank = len(pivots(affine))
    sizes = [o * i + (o if network.bias else 0) for o, i in network.layer_shapes]
    # Numbers written exactly (`rounding.rounding_box`) come last: the basis moves them only where the
    # layer's numbers written to digits cannot reach every affine map alone; the latest layer that works
    # and moves none of them, else the latest that works.
    exact = {i for i, r in enumerate(rounding_box(point)) if r == 0}
    found = []
    for layer in reversed(range(network.depth)):
        start = network.layer_offsets[layer]
        biases = range(
            start + sizes[layer] - (network.widths[layer + 1] if network.bias else 0), start + sizes[layer]
        )
        # biases first (the constant direction, well conditioned whatever the features' offsets)
        order = sorted(range(start, start + sizes[layer]), key=lambda i: (i in exact, i not in biases))
        cols = []
        for idx in order:
            moved = [v + 1 if m == idx else v for m, v in enumerate(flat)]
            cols.append(tuple(a - b for a, b in zip(logits(moved), base, strict=True)))
        basis = [order[j] for j in pivots(cols)]
        if len(basis) == rank == len(pivots(cols + affine)):
            found.append((layer, sorted(basis)))
    return next((f for f in found if not exact & set(f[1])), found[0] if found else None)


@dataclass(frozen=True)
class NearbyFit:
    """A best affine fit x* proved within ``slice_radius`` of ``center`` (it moves only ``moving``
    parameters of ``layer``), every loss within ``radius`` of ``center`` at least F(x*) ∈ [``loss_lower``,
    ``loss_upper``], the logits over that box in ``predictions``; ``mu`` bounds the slice's curvature."""

    center: Point
    radius: Fraction
    slice_radius: Fraction
    loss_lower: Fraction | None
    loss_upper: Fraction | None
    mu: Fraction | None
    moving: int
    layer: int
    predictions: BoxPredictions
    kept: tuple[int, ...] = ()

    def how(self, network: Network) -> str:
        """The proof in words."""
        convex = (
            "ℓ'' > 0 is proved over every logit that box produces (balls)"
            if network.output == "sigmoid" and network.loss == "mse"
            else "the loss is convex in the logits"
        )
        where = "the output layer" if self.layer == network.depth - 1 else f"weight layer {self.layer + 1}"
        mu = float(self.mu or 0)
        return (
            f"every hidden unit keeps one strict sign on every data point, so nearby the network is one "
            f"affine map of its input on the data, and the parameters of {where} alone (the other layers "
            f"and every piece held) move its predictions over every affine map of the input there; on the "
            f"slice that moves only {self.moving} of them (a basis), the Hessian is ≥ {mu:.3g}·I over a box "
            f"around box_center and the gradient is small enough that the slice has a unique minimiser x* "
            f"within {float(self.slice_radius):.3g} of it (balls), where the loss's gradient in the "
            f"predictions is orthogonal to every affine function of the input: the best affine fit; every "
            f"hidden sign holds over the box of radius {float(self.radius):.3g} around box_center and "
            f"{convex}, so no loss there is below x*'s"
        )


def nearby_affine_fits(network: Network, dataset: Dataset, point: Point) -> Iterator[NearbyFit]:
    """The best affine fit that a point's digits round (see `certify_nearby_affine_fit`), on each box
    around the slice proof's centre that holds x* and keeps every sign (and ℓ convex), widest first: any
    such box will do, and what is proved on it (a dead unit's shift) may need room or a tight box."""
    if (network.output, network.loss) not in HEADS or rounding_scale(point.flatten()) == 0:
        return
    if free_points(network, dataset, point)[:1] != [()]:
        return
    found_layer = moving_layer(network, dataset, point)
    if found_layer is None:
        return
    layer, moving = found_layer
    fixed = tuple(i for i in range(network.n_params) if i not in moving)
    for found in slice_minima(network, dataset, point, fixed):
        if found.radius is None or found.center is None:
            continue
        reach = 2 * point.distance(found.center) + found.radius  # holds the point and x*, with room
        fitted = False
        for radius in (*(r for r in AFFINE_RADII if r > reach), reach):
            pred = _fit_box(network, dataset, found.center, radius)
            if pred is not None:
                fitted = True
                yield NearbyFit(
                    found.center,
                    radius,
                    found.radius,
                    found.loss_lower,
                    found.loss_upper,
                    found.mu,
                    len(moving),
                    layer,
                    pred,
                    fixed,
                )
        if fitted:
            return  # a finer precision only shrinks x*'s box


def nearby_affine_fit(network: Network, dataset: Dataset, point: Point) -> NearbyFit | None:
    """The best affine fit that a point's digits round on its widest box (`nearby_affine_fits`), or None."""
    return next(nearby_affine_fits(network, dataset, point), None)


def certify_nearby_affine_fit(network: Network, dataset: Dataset, point: Point) -> Outcome | None:
    """``local-min`` (code ``best-affine-fit``) about a best affine fit within the box of a point whose
    digits round one: the network is affine on the data near the point, one layer's parameters alone move
    its predictions over every affine map of the input there (the output layer when the last hidden
    features span the affine functions, else an earlier one), and on the slice that moves only a basis of
    them the box method proves a unique minimiser x*; then ∇L(Z(x*)) ⊥ span{x, 1} and the convexity
    argument of the module docstring holds over a box around x* that contains the point.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[1], [2], [3], [4]], [[0], [1], [0], [1]])
        >>> rounded = Point.unflatten(net, [1, 1, Fraction("0.9081842626"), Fraction("-3.178644919")])
        >>> certify_nearby_affine_fit(net, data, rounded).code
        'best-affine-fit'
    """
    fit = nearby_affine_fit(network, dataset, point)
    if fit is None:
        return None
    offset = point.distance(fit.center)
    value = enclose_loss(network, dataset, point)
    return Outcome(
        Verdict.LOCAL_MIN,
        "interval",
        "best-affine-fit",
        f"{fit.how(network)}: a non-strict local minimum at x*, within box_radius of the given point (the "
        f"verdict is about x*)",
        LossEnclosure(value.text, fit.loss_lower, fit.loss_upper),
        box_radius=offset + fit.radius,
        proof_radius=fit.radius,
        box_center=fit.center,
        mu=fit.mu,
        code="best-affine-fit",
        on_slice=OnSlice(fit.kept, fit.slice_radius),
    )
