"""Rounded kink minima behind deeper layers: a unit dead at a kink, the rest of the network at the best
affine fit, every number written to d significant digits (`kink_snap` with `affine_fits`' nearby fit
through any one layer).

Truth is by construction, independent of the verifier: targets y = g(x) + E with g the live path's
affine map and E ⊥ span{1, x₁, x₂} on the data (exact rationals), so the live network is at the best
affine fit, and the dead unit's effect a on the logit at its kink points has a·(z − y) > 0 there (a
minimum: F ≥ F_red + Σ a·∂ℓ/∂z·u ≥ F*) or < 0 at some kink point (raising the unit there is a first-order
descent). A proved minimum is then checked with the 60-digit reference loss: no point sampled in its
proof box is below the exact twin's loss F*, and F* lies in the certificate's loss bounds.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from decimal import Context, Decimal
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.landscape import region_of
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import CertifyOptions, Verdict, certify
from badminima.verify.fit_snap import snap_to_fit
from badminima.verify.kink_snap import kinks_within
from tests.reference import reference_loss, reference_output
from tests.verify.saved import CASES, saved_trap

X = [(0, 2), (1, 2), (0, 0), (1, 0), (2, 0), (2, 1), (0, 1), (3, 1)]
SEVENTHS = st.integers(1, 20).map(lambda k: F(k, 7))


def _rounded(q: F, digits: int) -> F:
    """q written to ``digits`` significant digits."""
    ctx = Context(prec=digits)
    return F(str(ctx.divide(ctx.create_decimal(q.numerator), ctx.create_decimal(q.denominator))))


def _orthogonal(e: list[F], extra: tuple[list[F], ...] = ()) -> list[F]:
    """e minus its least-squares projection on span{1, x₁, x₂, *extra} over X (exact)."""
    cols = [[F(1)] * len(X), [F(x[0]) for x in X], [F(x[1]) for x in X], *extra]
    basis: list[list[F]] = []
    for c in cols:  # Gram–Schmidt
        for b in basis:
            c = [
                ci - sum(p * q for p, q in zip(c, b, strict=True)) / sum(q * q for q in b) * bi
                for ci, bi in zip(c, b, strict=True)
            ]
        basis.append(c)
    for b in basis:
        e = [
            ei - sum(p * q for p, q in zip(e, b, strict=True)) / sum(q * q for q in b) * bi
            for ei, bi in zip(e, b, strict=True)
        ]
    return e


def adjusted(q: F) -> int:
    """The decimal exponent of q's leading digit."""
    return Decimal(q.numerator).__truediv__(Decimal(q.denominator)).adjusted() if q else 0


def _seventh(rng: random.Random, signed: bool = False) -> F:
    """k/7 for k in 1..20 (a non-terminating decimal), of either sign when ``signed``."""
    return F(rng.randint(1, 20), 7) * (rng.choice((1, -1)) if signed else 1)


def _live(rng: random.Random) -> tuple[list[F], F]:
    """A unit relu(w·x + t) that is ≥ 1 on X: (w, t)."""
    w = [_seventh(rng, True), _seventh(rng, True)]
    return w, 1 - min(w[0] * a + w[1] * b for a, b in X) + _seventh(rng)


def _case(rng: random.Random, arch: str, head: str, minimum: bool):
    """(network, dataset, exact point) by construction (module docstring): the dead unit A's effect a on
    the logit pushes away from every kink point's target (``minimum``) or towards one; None when the draw
    has no case of the kind asked for."""
    e = _orthogonal([F(rng.randint(-9, 9)) for _ in X])
    if not any(e):
        return None
    E = [v / (4 * max(abs(q) for q in e)) for v in e]  # |E| ≤ 1/4: bce targets 1/2 + E lie in (0, 1)
    if arch == "first":  # 2-2-2-1: A = relu(s(x₂ − 2)) in layer 1, dead with a kink on X[0], X[1]
        s, (f, t) = _seventh(rng), _live(rng)
        al, be = [_seventh(rng), _seventh(rng)], [_seventh(rng), _seventh(rng)]
        ga = [_seventh(rng, True), _seventh(rng, True)]
        v1, v2, c = _seventh(rng, True), _seventh(rng, True), _seventh(rng, True)
        if head == "bce":  # the live path is 0 on the data: logit 0, targets 1/2 + E
            v2 = -v1 * al[0] / al[1]
            c = -(v1 * be[0] + v2 * be[1])
        a, kinks = v1 * ga[0] + v2 * ga[1], [0, 1]
        layers = [([[0, s], f], [-2 * s, t]), ([[ga[0], al[0]], [ga[1], al[1]]], be), ([[v1, v2]], [c])]
        widths = (2, 2, 2, 1)
    elif arch == "same":  # 2-2-2-1: A = relu(m·F + b_A) in layer 2, dead with a kink on argmax m·F
        (f1, t1), (f2, t2) = _live(rng), _live(rng)
        if f1[0] * f2[1] == f1[1] * f2[0]:
            return None
        m = [_seventh(rng, True), _seventh(rng, True)]
        g = [m[0] * (f1[0] * p + f1[1] * q + t1) + m[1] * (f2[0] * p + f2[1] * q + t2) for p, q in X]
        va, vc, c = _seventh(rng, True), _seventh(rng, True), _seventh(rng, True)
        a, kinks = va, [i for i, v in enumerate(g) if v == max(g)]
        layers = [
            ([f1, f2], [t1, t2]),
            ([m, [_seventh(rng), _seventh(rng)]], [-max(g), _seventh(rng)]),
            ([[va, vc]], [c]),
        ]
        widths = (2, 2, 2, 1)
    elif arch == "live":  # 2-3-1: A = relu(s(x₁ + x₂ − 3)) active on X[7], at a kink on X[1] and X[5]
        # the network's pieces reach span{1, x₁, x₂, e₇}: E ⊥ e₇ too, so the twin is their best fit
        assert head == "mse", "a live kink unit under a sigmoid head is not built here"
        e = _orthogonal(e, ([F(int(i == 7)) for i in range(len(X))],))
        if not any(e):
            return None
        E = [v / (4 * max(abs(q) for q in e)) for v in e]
        s, (f1, t1), (f2, t2) = _seventh(rng), _live(rng), _live(rng)
        va, v1, v2, c = (_seventh(rng, True) for _ in range(4))
        a, kinks = va, [1, 5]
        layers = [([[s, s], f1, f2], [-3 * s, t1, t2]), ([[va, v1, v2]], [c])]
        widths = (2, 3, 1)
    else:  # "shift", 2-1-2-1: A = relu(s(F − max F)) in layer 2, behind the one live unit F of layer 1
        f, t = _live(rng)
        feat = [f[0] * p + f[1] * q + t for p, q in X]
        s = _seventh(rng)
        va, vc, c = _seventh(rng, True), _seventh(rng, True), _seventh(rng, True)
        a, kinks = va, [i for i, v in enumerate(feat) if v == max(feat)]
        layers = [([f], [t]), ([[s], [_seventh(rng)]], [-s * max(feat), _seventh(rng)]), ([[va, vc]], [c])]
        widths = (2, 1, 2, 1)
    if a == 0 or any(E[i] == 0 for i in kinks) or all(a * -E[i] > 0 for i in kinks) != minimum:
        return None
    point = Point.of(layers)
    logits = Network(widths, "relu")
    y = [[(F(1, 2) if head == "bce" else reference_output(logits, point, x)) + E[i]] for i, x in enumerate(X)]
    net = Network(widths, "relu", output="sigmoid", loss="bce") if head == "bce" else logits
    return net, Dataset.of([list(x) for x in X], y), point


def _within_digits(point: Point, moved: Point, digits: int, units: int = 1) -> None:
    """Every number of ``moved`` within ``units`` halves of a unit of the last place ``_rounded`` wrote in
    ``point`` (at most ``digits`` significant ones), or one float64 ulp for a decimal of float length (15
    to 17 digits: it may be a float's print); integers are exact."""
    for written, q in zip(point.flatten(), moved.flatten(), strict=True):
        half = (
            F(0)
            if written == 0 or written.denominator == 1
            else F(1, 2) * F(10) ** (adjusted(written) - digits + 1)
        )
        if half and 15 <= digits <= 17:
            half = max(half, F(math.ulp(float(written))))
        assert abs(q - written) <= units * half


def _hidden(point: Point, x) -> list[F]:
    """Every hidden unit's pre-activation at input ``x`` (ReLU, exact): an independent forward pass."""
    a, out = list(x), []
    for layer in point.layers[:-1]:
        z = [
            sum((w * v for w, v in zip(row, a, strict=True)), F(0)) + b
            for row, b in zip(layer.W, layer.b, strict=True)
        ]
        out += z
        a = [max(v, F(0)) for v in z]
    return out


def _mp(v):
    return mpmath.mpf(v.numerator) / v.denominator if isinstance(v, F) else v


def _not_below(net, data, cert, floor, seed: int = 0, n: int = 30) -> None:
    """No point of the proof box (random, and half-radius moves of each coordinate) has a reference loss
    below ``floor``."""
    centre, R = cert.box_center.flatten(), cert.proof_radius
    rng = random.Random(seed)
    moves = [[R * F(rng.randint(-1000, 1000), 1000) for _ in centre] for _ in range(n)]
    moves += [
        [sg * R / 2 if i == k else F(0) for i in range(len(centre))]
        for k in range(len(centre))
        for sg in (1, -1)
    ]
    for d in moves:
        near = reference_loss(
            net, data, Point.unflatten(net, [q + dq for q, dq in zip(centre, d, strict=True)])
        )
        assert near >= floor if isinstance(near, F) else near >= _mp(floor) - mpmath.mpf(10) ** -40


def _check(case, digits: int, minimum: bool):
    net, data, exact = case
    point = Point.unflatten(net, [_rounded(q, digits) for q in exact.flatten()])
    cert = certify(Trap(net, data, point), probes=0)
    if not minimum and cert.verdict is Verdict.LOCAL_MIN and net.depth == 2:
        # the digits may leave A strictly dead at its kink points: a genuine region minimum they round
        _at_a_live_minimum(net, data, point, cert, reference_loss(net, data, exact))
        assert cert.code == "least-squares-bound"
        return cert
    if not minimum and cert.verdict is Verdict.LOCAL_MIN and cert.code == "best-affine-fit":
        # the digits left the kink unit strictly dead on every point: x* is the best affine fit of that
        # open region, a genuine minimum in its (tiny) proof box, which holds the given point's box
        assert point.distance(cert.box_center) <= cert.box_radius
        _not_below(net, data, cert, cert.loss_lower)
        return cert
    if not minimum and cert.verdict is Verdict.LOCAL_MIN and cert.code == "logit-surrogate-minimum":
        # a bce head at logit 0: the digits left the kink unit strictly dead, and a point they round has
        # every hidden unit strictly signed and every logit exactly 0. The network is affine in x near it,
        # and σ(0) − y = −E ⊥ span{1, x₁, x₂} with the loss convex in the logits: no nearby affine logits
        # do better, a genuine minimum at the exact twin's loss. Only the output bias moves (it absorbs
        # the other numbers' roundings), within the README's 10 units of its last place
        centre = cert.box_center
        assert point.distance(centre) <= cert.box_radius
        assert centre.flatten()[:-1] == point.flatten()[:-1]
        _within_digits(point, centre, digits, 20)
        pre = [p for x in X for p in _hidden(centre, x)]
        assert 0 not in pre
        assert all(reference_output(Network(net.widths, "relu"), centre, x) == 0 for x in X)
        floor = reference_loss(net, data, exact)
        assert _mp(cert.loss_lower) <= floor <= _mp(cert.loss_upper)
        margin = min(abs(p) for p in pre) / 10**4  # every sign kept: |Δ pre| ≤ 100·radius here
        _not_below(net, data, replace(cert, proof_radius=margin), floor)
        return cert
    if not minimum:
        assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), cert.reason
        if cert.witness is not None:
            assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)
        return cert
    assert cert.verdict in (Verdict.LOCAL_MIN, Verdict.INCONCLUSIVE), cert.reason
    if cert.verdict is Verdict.LOCAL_MIN and net.depth == 2:  # proved at one point, not on a box
        _at_a_live_minimum(net, data, point, cert, reference_loss(net, data, exact))
    elif cert.verdict is Verdict.LOCAL_MIN:
        floor = reference_loss(net, data, exact)  # F*, the exact twin's: the best affine fit's loss
        if isinstance(floor, F):
            assert cert.loss_lower <= floor <= cert.loss_upper
        else:
            assert _mp(cert.loss_lower) <= floor <= _mp(cert.loss_upper)
        assert point.distance(cert.box_center) <= cert.box_radius
        if exact.distance(cert.box_center) > cert.proof_radius:
            # the digits left every unit strictly signed: x* is a best affine fit of that region, whose
            # loss is F* too (the same affine functions are fitted), enclosed above to 30 digits
            assert cert.loss_upper - cert.loss_lower <= F(1, 10**30)
            assert reference_loss(net, data, cert.box_center) >= floor
        _not_below(net, data, cert, floor)
    return cert


def _draw(seed: int, arch: str, head: str, minimum: bool):
    rng = random.Random(seed)
    while (case := _case(rng, arch, head, minimum)) is None:
        pass
    return case


@pytest.mark.parametrize(
    ("arch", "head", "digits"),
    [
        ("first", "bce", 30),
        ("shift", "mse", 30),
        pytest.param("first", "mse", 12, marks=pytest.mark.slow),
        pytest.param("same", "mse", 17, marks=pytest.mark.slow),
    ],
)
def test_a_rounded_kink_minimum_behind_deeper_layers_is_that_minimum(arch, head, digits):
    cert = _check(_draw(0, arch, head, True), digits, True)
    # the dead unit pushes: the least-squares bound with it held inactive may prove the minimum first
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.code in ("kink-dead-unit-minimum", "least-squares-bound"), cert.reason


@pytest.mark.parametrize(
    ("arch", "head", "digits"),
    [("first", "bce", 17), ("same", "mse", 12), ("shift", "mse", 30), ("live", "mse", 12)],
)
def test_the_fit_snap_lands_on_the_exact_fit_inside_the_digits_box(arch, head, digits):
    net, data, exact = _draw(1, arch, head, True)
    point = Point.unflatten(net, [_rounded(q, digits) for q in exact.flatten()])
    kinks = (*kinks_within(net, data, point), *region_of(net, data, point).kinks)
    snapped = snap_to_fit(net, data, point, kinks)
    assert snapped is not None
    _within_digits(point, snapped, digits)
    logits = Network(net.widths, "relu")  # the exact twin predicts the best affine fit by construction
    assert [reference_output(logits, snapped, x) for x in X] == [
        reference_output(logits, exact, x) for x in X
    ]


@pytest.mark.parametrize(
    ("arch", "head"), [("shift", "mse"), pytest.param("first", "bce", marks=pytest.mark.slow)]
)
def test_a_rounded_kink_descent_is_never_a_minimum(arch, head):
    _check(_draw(0, arch, head, False), 17, False)


def _at_a_live_minimum(net, data, point, cert, floor) -> None:
    """A one-hidden-layer minimum proved at a single point (box_center): it lies within the stated box
    of the given point and has the exact twin's loss F*; the kink unit A is ≤ 0 on its kink points and
    active on X[7]; where it sits exactly at a kink, raising it there costs at first order (the
    construction's sign argument, recomputed there); and no nearby sampled point is below F*."""
    centre = cert.box_center
    assert point.distance(centre) <= cert.box_radius
    assert reference_loss(net, data, centre) == floor == cert.loss_lower == cert.loss_upper
    w, b, v = centre.layers[0].W[0], centre.layers[0].b[0], centre.layers[1].W[0]
    pre = [sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b for x in X]
    assert pre[1] <= 0 and pre[5] <= 0 and pre[7] > 0
    residual = [reference_output(net, centre, x) - y[0] for x, y in zip(X, data.y, strict=True)]
    assert all(v[0] * residual[i] > 0 for i in (1, 5) if pre[i] == 0)
    # a point strictly dead on a kink point is a minimum only while it stays so: sample inside that
    margin = min([abs(p) / 10 for p in pre if p != 0] + [F(1, 10**9)])
    _not_below(net, data, replace(cert, proof_radius=margin), floor)


@pytest.mark.parametrize(
    "digits", [12, pytest.param(17, marks=pytest.mark.slow), pytest.param(30, marks=pytest.mark.slow)]
)
def test_a_rounded_live_kink_minimum_is_that_minimum(digits):
    """A kink unit active on one point (one hidden layer), its kinks rounded to slightly active: the
    proof is at a point the digits round where the kinks are exactly 0 (`fit_snap`, live)."""
    net, data, exact = _draw(4, "live", "mse", True)
    point = Point.unflatten(net, [_rounded(q, digits) for q in exact.flatten()])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "sign-cone-bound"), cert.reason
    _within_digits(point, cert.box_center, digits)
    _at_a_live_minimum(net, data, point, cert, reference_loss(net, data, exact))


def test_a_rounded_live_kink_descent_is_never_a_minimum():
    _check(_draw(2, "live", "mse", False), 17, False)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.randoms(use_true_random=False),
    st.sampled_from([("first", "mse"), ("first", "bce"), ("same", "mse"), ("shift", "mse"), ("live", "mse")]),
    st.sampled_from([12, 17, 30]),
    st.booleans(),
)
def test_rounded_kink_points_behind_deeper_layers_thorough(rng, arch_head, digits, minimum):
    for _ in range(20):
        case = _case(rng, *arch_head, minimum)
        if case is not None:
            _check(case, digits, minimum)
            return


def test_a_tiny_descent_off_the_kink_at_a_rounded_live_kink_minimum_is_about_the_digits():
    """A reviewing helper's trap (red team s12): a 2-3-1 minimum with an active unit at a kink that
    pushes, written to 12 digits, the kink itself exact. The weights no kink touches have a descent of
    slope 7.5e-10 (the rounded fit), while the kink unit's own weights have an O(1) gradient on one piece:
    that descent is about the digits, never `not-critical`; the answer is the minimum they round, whose
    loss is the exact twin's (Fractions) — found by snapping the rounded 0 to its kink, or, without that,
    by the region's optimum with the exact kink held."""
    trap = saved_trap("live-push-231-r12")
    twin = saved_trap("live-push-231-exact")
    floor = reference_loss(twin.network, twin.dataset, twin.point)
    for options in (CertifyOptions(snap_kinks=False, probes=0), CertifyOptions(probes=0)):
        cert = certify(trap, options=options)
        assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
        assert reference_loss(trap.network, trap.dataset, cert.box_center) == floor == cert.loss_lower
        assert trap.point.distance(cert.box_center) <= cert.box_radius


def test_a_best_affine_fit_the_digits_leave_strictly_signed_has_the_exact_fits_loss():
    """A slow draw (arch "same", 12 digits): a 2-2-2-1 minimum whose unit sits exactly at a kink, written
    to 12 digits that leave every unit strictly signed. The proof is about x*, the best affine fit of that
    open region (farther from the exact twin than the proof box reaches), so the certificate's loss bounds
    are x*'s and enclose F*, the twin's exact loss; the given point's own loss is above F* and is not
    reported in its place."""
    trap = saved_trap("same-2221relu-mse-fit-strict-r12")
    twin = saved_trap("same-2221relu-mse-fit-kink-exact")
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "best-affine-fit"), cert.reason
    floor = reference_loss(twin.network, twin.dataset, twin.point)
    given = reference_loss(trap.network, trap.dataset, trap.point)
    assert cert.loss_lower <= floor <= cert.loss_upper < given
    assert trap.point.distance(cert.box_center) <= cert.box_radius
    assert twin.point.distance(cert.box_center) > cert.proof_radius


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("s19b-kinklast-sigmoid-mse-min-d17", Verdict.LOCAL_MIN),
        pytest.param("s19b-kinklast-sigmoid-mse-saddle-d17", Verdict.SADDLE, marks=pytest.mark.slow),
    ],
)
def test_a_last_layer_whose_units_are_dependent_on_the_data_leaves_the_fit_to_the_layer_below(name, verdict):
    """Red team s19b (truth by construction, in the file): 2-2-3-1 ReLU, sigmoid output, every logit
    exactly 0 because two live second-layer units with h₂ = 2h₁ + 1 on the data cancel, a dead unit at its
    kink; every number written to 17 digits. The output layer's columns (h₁, h₂, 1) are dependent on the
    data, so correcting the fit through it asks for an O(1) change; the layer below makes it inside the
    digits' box. The snapped point is checked with the plain-loop reference: every logit and the kink's
    pre-activation exactly 0, every number within half a unit of its written last place (or one ulp)."""
    trap = saved_trap(name)
    net, data, point = trap.network, trap.dataset, trap.point
    kinks = kinks_within(net, data, point)
    snapped = snap_to_fit(net, data, point, kinks)
    assert snapped is not None and len(kinks) == 1
    written = [
        v
        for layer in json.loads((CASES / f"{name}.json").read_text())["point"]
        for part in ("W", "b")
        for v in _flat(layer[part])
    ]
    for text, moved in zip(written, snapped.flatten(), strict=True):
        if "." not in text:  # an integer is exact
            assert moved == F(text)
            continue
        half = F(1, 2) * F(10) ** -len(text.split(".")[1])
        assert abs(moved - F(text)) <= max(half, F(math.ulp(float(text))))
    identity = Network(net.widths, "relu")  # the logits
    assert all(reference_output(identity, snapped, x) == 0 for x in data.X)
    ((layer, unit, i),) = kinks
    upto = Point(snapped.layers[: layer + 1])
    assert reference_output(Network(net.widths[: layer + 2], "relu"), _row(upto, unit), data.X[i]) == 0
    assert certify(trap, probes=0).verdict is verdict


def _flat(values):
    return [v for row in values for v in (row if isinstance(row, list) else [row])]


def _row(point: Point, unit: int) -> Point:
    """``point`` with its last layer cut to the one ``unit`` (its pre-activation as the output)."""
    last = point.layers[-1]
    return Point((*point.layers[:-1], replace(last, W=(last.W[unit],), b=(last.b[unit],))))
