"""First-order stationarity at kinks in hidden layers beyond the first (`verify.kinks`).

Truth is independent of `badminima.verify`: hand derivations, and a plain-Fraction *derivative network*
written here (`_one_sided`): along x + t v each pre-activation is z + t·dz + O(t²), and a hidden unit's
first-order change is σ'(z)·dz off a kink and σ(dz) at one, so F'(x; v) = (2/N) Σ (f_i − y_i)·df_i.
Planted instances get their targets from a Jacobian computed here by exact interpolation of a
fixed-piece forward pass (`_piece_jacobian`), so whether the point is stationary is known by
construction.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
import sympy
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st

from badminima.landscape import region_of
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify, first_order
from tests.reference import reference_loss
from tests.verify.saved import saved_trap

HEALTH = list(HealthCheck)
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
small = st.fractions(min_value=-2, max_value=2, max_denominator=3)


def _layers(network, theta):
    point = Point.unflatten(network, theta)
    return [(layer.W, layer.b) for layer in point.layers]


def _forward(network, theta, x, direction=None, sides=None):
    """Output (first) and its first-order change along ``direction`` at input ``x``; ``sides`` maps
    (layer, unit) to the piece forced at this input (True: z ≥ 0 piece), else the sign of z decides."""
    layers = _layers(network, theta)
    dlayers = _layers(network, direction) if direction is not None else None
    slope = network.leaky_slope if network.activation == "leaky_relu" else F(0)
    a, da = list(x), [F(0)] * len(x)
    for li, (W, b) in enumerate(layers):
        z, dz = [], []
        for j, row in enumerate(W):
            zj = sum((w * v for w, v in zip(row, a, strict=True)), F(0)) + (b[j] if b is not None else 0)
            dzj = F(0)
            if dlayers is not None:
                dW, db = dlayers[li]
                dzj = sum((w * v for w, v in zip(dW[j], a, strict=True)), F(0))
                dzj += sum((w * v for w, v in zip(row, da, strict=True)), F(0))
                dzj += db[j] if db is not None else 0
            z.append(zj)
            dz.append(dzj)
        if li == len(layers) - 1:
            return z[0], dz[0]
        a, da = [], []
        for j, (zj, dzj) in enumerate(zip(z, dz, strict=True)):
            if sides is not None and (li, j) in sides:
                on = sides[(li, j)]
                a.append(zj if on else slope * zj)
                da.append(dzj if on else slope * dzj)
            elif zj != 0:
                a.append(zj if zj > 0 else slope * zj)
                da.append(dzj if zj > 0 else slope * dzj)
            else:  # at a kink: σ(t·dz + O(t²)) = t·σ(dz) + O(t²)
                a.append(F(0))
                da.append(dzj if dzj >= 0 else slope * dzj)
    raise AssertionError("unreachable")


def _one_sided(network, data, point, direction):
    """F'(x; v) from the derivative network (mse, one output)."""
    theta = point.flatten()
    total = F(0)
    for x, y in zip(data.X, data.y, strict=True):
        f, df = _forward(network, theta, x, direction)
        total += 2 * (f - y[0]) * df
    return total / len(data.X)


def _signs(network, theta, x):
    """(layer, unit) -> z ≥ 0 at input ``x``, for every hidden unit."""
    out = {}
    a = list(x)
    slope = network.leaky_slope if network.activation == "leaky_relu" else F(0)
    for li, (W, b) in enumerate(_layers(network, theta)[:-1]):
        z = [sum((w * v for w, v in zip(row, a, strict=True)), F(0)) + b[j] for j, row in enumerate(W)]
        out.update({(li, j): zj >= 0 for j, zj in enumerate(z)})
        a = [zj if zj > 0 else slope * zj for zj in z]
    return out


def _piece_jacobian(network, theta, X, forced):
    """∂f_i/∂θ_p on the piece of the point (``forced`` overriding some units' sides per point): on a fixed
    piece f is affine in each single coordinate θ_p, so ∂f/∂θ_p = f(θ + e_p) − f(θ) exactly."""
    rows = []
    for i, x in enumerate(X):
        sides = _signs(network, theta, x) | forced(i)
        base = _forward(network, theta, x, sides=sides)[0]
        row = []
        for p in range(len(theta)):
            moved = list(theta)
            moved[p] += 1
            row.append(_forward(network, moved, x, sides=sides)[0] - base)
        rows.append(row)
    return rows


# The hand example: a 1-1-2-1 ReLU net on x = (1, 2, 3). Layer 1 is the identity on x > 0 (h = x);
# unit A of layer 2 is relu(h − 2), exactly at its kink on x = 2; unit B is the constant relu(1) with
# output weight 0; f = 1 + 2·relu(h − 2) + 0·relu(1) = (1, 1, 3).
NET = Network((1, 1, 2, 1), "relu")
POINT = Point.of([([[1]], [0]), ([[1], [0]], [-2, 1]), ([[2, 0]], [1])])


def _data(ys):
    return Dataset.of([[1], [2], [3]], [[y] for y in ys])


def test_second_layer_kink_saddle_by_hand():
    # y = (2, 0, 3): residuals e = f − y = (−1, 1, 0). Off the kink the gradient is zero (Σe = 0,
    # e₃ = 0, e·relu(z_B) = Σe = 0, and every weight below unit A is multiplied by e₃ = 0 or by v_B = 0).
    # Activating x = 2 (dz_A(2) > 0) adds v_A·dz_A(2) to f(2): F'(x; v) = (2/3)·v_A·e₂·relu(dz_A(2))
    # = (4/3)·relu(dz_A(2)) ≥ 0, so the point is first-order stationary, with a genuine kink.
    # Second order along dv_B = −ε, du_B = 1 (unit B's weight from h): f changes by t·(−ε)·relu(1 + t·x),
    # loss(t) − loss(0) = (2/3)Σ e_i(−εt − εt²x_i) + (1/3)Σ(εt)² + O(t³) = (−2ε·1 + 3ε²)t²/3 + O(t³),
    # negative for ε < 2/3: a saddle.
    data = _data([2, 0, 3])
    region = region_of(NET, data, POINT)
    assert region.kinks == ((1, 0, 1),)
    fo = first_order(NET, data, POINT, region)
    assert fo.stationary is True
    beta_a = [F(0)] * NET.n_params
    beta_a[4] = F(1)  # the bias of unit A: dz_A = 1 on every point
    assert _one_sided(NET, data, POINT, beta_a) == F(4, 3)
    assert _one_sided(NET, data, POINT, [-v for v in beta_a]) == 0
    eps, t = F(1, 3), F(1, 100)
    moved = list(POINT.flatten())
    moved[3] += t  # u_B
    moved[7] -= eps * t  # v_B
    assert reference_loss(NET, data, Point.unflatten(NET, moved)) < F(2, 3)
    cert = certify(Trap(NET, data, POINT), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "higher-order-descent")
    assert reference_loss(NET, data, POINT) == F(2, 3)
    assert reference_loss(NET, data, cert.witness) == cert.witness_loss_upper < F(2, 3)


def test_second_layer_kink_with_a_descent_side_is_not_critical():
    # The mirror y = (0, 2, 3): e = (1, −1, 0) and F'(x; e_{b_A}) = (2/3)·2·(−1)·1 = −4/3 < 0.
    data = _data([0, 2, 3])
    beta_a = [F(0)] * NET.n_params
    beta_a[4] = F(1)
    assert _one_sided(NET, data, POINT, beta_a) == F(-4, 3)
    fo = first_order(NET, data, POINT, region_of(NET, data, POINT))
    assert fo.stationary is False
    assert _one_sided(NET, data, POINT, fo.directions[0]) < 0
    cert = certify(Trap(NET, data, POINT), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "first-order-descent")
    assert reference_loss(NET, data, cert.witness) < reference_loss(NET, data, POINT)


def test_too_many_kinks_for_the_side_limit_stay_undecided():
    data = _data([2, 0, 3])
    fo = first_order(NET, data, POINT, region_of(NET, data, POINT), max_side_kinks=0)
    assert fo.stationary is None
    cert = certify(Trap(NET, data, POINT), probes=0, options=_starved())
    assert cert.verdict in (Verdict.SADDLE, Verdict.INCONCLUSIVE)
    assert cert.code != "higher-order-descent"


def _starved():
    from badminima.verify import CertifyOptions

    return CertifyOptions(probes=0, max_side_kinks=0)


@st.composite
def planted_kink(draw):
    """A 1-h1-h2-1 ReLU / leaky-ReLU net with one kink, at unit u of the second hidden layer on point i₀,
    and targets y = f − e with e in the left null space of the Jacobian of the piece where that kink is
    inactive. Then that piece's gradient (2/N)Jᵀe is 0, the active piece's is (2/N)·e_i₀·v_u·(1 − α)·a
    (a = ∇z_u(i₀), α the leaky slope), so the point is stationary iff e_i₀·v_u ≥ 0."""
    act = draw(st.sampled_from(["relu", "leaky_relu"]))
    h1, h2 = draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2]))
    net = Network((1, h1, h2, 1), act)
    n = net.n_params + 1
    xs = [F(k, 4) for k in draw(st.lists(st.integers(-16, 16), min_size=n, max_size=n, unique=True))]
    theta = [draw(small) for _ in range(net.n_params)]
    u, i0 = draw(st.integers(0, h2 - 1)), draw(st.integers(0, n - 1))
    layers = _layers(net, theta)
    slope = net.leaky_slope if act == "leaky_relu" else F(0)
    (W1, b1), (W2, _), (W3, _) = layers
    h = [(W1[j][0] * xs[i0] + b1[j]) for j in range(h1)]
    a = [v if v > 0 else slope * v for v in h]
    bias_index = h1 * 2 + h2 * h1 + u
    theta[bias_index] = -sum((w * v for w, v in zip(W2[u], a, strict=True)), F(0))
    point = Point.unflatten(net, theta)
    assume(W3[0][u] != 0)
    data0 = Dataset.of([[x] for x in xs], [[0]] * n)
    region = region_of(net, data0, point)
    assume(region.kinks == ((1, u, i0),))

    def sides_at(i):
        return {(1, u): False} if i == i0 else {}

    J = sympy.Matrix(_piece_jacobian(net, theta, [[x] for x in xs], sides_at))
    null = J.T.nullspace()
    assume(null)
    coeffs = [draw(st.integers(-3, 3)) for _ in null]
    e = sum((c * v for c, v in zip(coeffs, null, strict=True)), sympy.zeros(n, 1))
    assume(e[i0] != 0)
    e = [F(int(sympy.fraction(v)[0]), int(sympy.fraction(v)[1])) for v in e]
    f = [_forward(net, theta, [x])[0] for x in xs]
    data = Dataset.of([[x] for x in xs], [[fi - ei] for fi, ei in zip(f, e, strict=True)])
    return net, data, point, e[i0] * W3[0][u] >= 0


def _check_planted(case):
    net, data, point, stationary = case
    fo = first_order(net, data, point, region_of(net, data, point))
    assert fo.stationary is stationary
    if stationary:
        rng = random.Random(0)
        basis = [
            [F(int(k == p) * s) for k in range(net.n_params)] for p in range(net.n_params) for s in (1, -1)
        ]
        for direction in basis + [[F(rng.randint(-3, 3)) for _ in range(net.n_params)] for _ in range(30)]:
            assert _one_sided(net, data, point, direction) >= 0
    else:
        assert _one_sided(net, data, point, fo.directions[0]) < 0


@settings(max_examples=5, deadline=None, suppress_health_check=HEALTH, derandomize=True, phases=NO_SHRINK)
@given(planted_kink())
def test_planted_second_layer_kinks_are_decided_as_constructed(case):
    _check_planted(case)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=HEALTH)
@given(planted_kink())
def test_planted_second_layer_kinks_are_decided_as_constructed_thoroughly(case):
    _check_planted(case)
    net, data, point, stationary = case
    cert = certify(Trap(net, data, point), probes=0, literal=True)
    if not stationary:
        assert cert.verdict is Verdict.NOT_CRITICAL
    assert cert.verdict is not Verdict.NOT_CRITICAL or not stationary
    if cert.witness is not None:
        assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


@pytest.mark.parametrize("v", [-1, 1])
def test_repeated_inputs_on_one_kink_are_decided(v):
    # relu(x − 2) on x = (1, 2, 2): both copies of x = 2 sit on the kink with the same normal (2, 1): the
    # unit-by-unit test projects onto cones of dependent normals, as the all-sides test does.
    # f = 2/3 + v·relu(x − 2) = 2/3, y = (0, 1, 1), e = f − y = (2/3, −1/3, −1/3); off the kink the
    # gradient is 0 (Σe = 0, e·relu(z) = 0), and
    # F'(x; d) = (2/3)·v·(e₂ + e₃)·relu(dz) = −(4/9)·v·relu(dz): stationary iff v < 0.
    net = Network((1, 1, 1), "relu")
    data = Dataset.of([[1], [2], [2]], [[0], [1], [1]])
    point = Point.of([([[1]], [-2]), ([[v]], ["2/3"])])
    region = region_of(net, data, point)
    assert region.kinks == ((0, 0, 1), (0, 0, 2))
    for sides in (0, 4):
        fo = first_order(net, data, point, region, max_side_kinks=sides)
        assert fo.stationary is (v < 0)
    bias = [F(0), F(1), F(0), F(0)]
    assert _one_sided(net, data, point, bias) == F(-4, 9) * v
    if v > 0:
        assert _one_sided(net, data, point, fo.directions[0]) < 0


def test_a_unit_at_its_kink_on_every_point_with_a_first_order_descent_is_not_critical():
    """A black-box red team's trap (s17): a 1-1-1 ReLU net with w = b = 0 (the unit at its kink on every
    point, so its kink normals (x_i, 1) are dependent), v = −1 and c the
    mean target. By hand, moving (w, b) by t(1, −5/2) raises the unit by t/2, 3t/2, 5t/2 on x = 3, 4, 5
    only, where the residuals c − y are 1/16, 17/16 and −7/16; with v = −1 the loss falls at rate
    (2/8)·(1/2·1/16 + 3/2·17/16 − 5/2·7/16) = 17/128, a first-order descent, which is what `not-critical`
    claims (it was `inconclusive`)."""

    trap = saved_trap("s17-allkink-not-critical")
    base = reference_loss(trap.network, trap.dataset, trap.point)
    for t in (F(1, 10**6), F(1, 10**9)):
        moved = Point.unflatten(trap.network, [t, -t * F(5, 2), F(-1), F(25, 16)])
        drop = (base - reference_loss(trap.network, trap.dataset, moved)) / t
        assert abs(drop - F(17, 128)) < F(1, 10**5)
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "first-order-descent"), cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < base


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(-4, 4), min_size=3, max_size=6, unique=True),
    st.data(),
    st.sampled_from(["relu", "leaky_relu"]),
)
def test_units_at_their_kink_on_every_point_are_decided(xs, data, activation):
    # w = b = 0: unit j's kink normals (x_i, 1) are dependent (more points than weights). With the output
    # bias at the mean target, F'(x; d) = (2/N)·Σ_j v_j φ(d_j) with φ(w, b) = Σ_i e_i σ(w x_i + b), e the
    # residuals: linear between the rays ±(1, −x_i), so stationary iff v_j φ ≥ 0 on every ray.
    ys = data.draw(st.lists(st.integers(-3, 3), min_size=len(xs), max_size=len(xs)))
    vs = data.draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=1, max_size=2))
    c = F(sum(ys), len(ys))
    e = [c - y for y in ys]

    def act(t):
        return t if t >= 0 else (F(1, 100) * t if activation == "leaky_relu" else F(0))

    rays = [(F(0), F(1)), (F(0), F(-1))] + [(s, -s * x) for x in xs for s in (F(1), F(-1))]
    phi = [sum(ei * act(w * x + b) for ei, x in zip(e, xs, strict=True)) for w, b in rays]
    net = Network((1, len(vs), 1), activation)
    dataset = Dataset.of([[x] for x in xs], [[y] for y in ys])
    point = Point.unflatten(net, [F(0)] * (2 * len(vs)) + [F(v) for v in vs] + [c])
    fo = first_order(net, dataset, point, region_of(net, dataset, point), max_side_kinks=0)
    assert fo.stationary is all(v * p >= 0 for v in vs for p in phi)
    if not fo.stationary:
        assert _one_sided(net, dataset, point, fo.directions[0]) < 0


@st.composite
def silent_kinks(draw):
    """A 1-2-2-1 ReLU / leaky-ReLU net whose units in a drawn set S sit at their kink on a drawn point
    (bias = −(its input)) and have outgoing weights 0; the rest random, the targets random or planted so
    that the piece's gradient (2/N)Jᵀe vanishes."""
    activation = draw(st.sampled_from(["relu", "leaky_relu"]))
    net = Network((1, 2, 2, 1), activation, leaky_slope=F(1, 4) if activation == "leaky_relu" else None)
    xs = draw(st.lists(st.integers(-3, 3), min_size=3, max_size=6, unique=True))
    theta = draw(st.lists(small, min_size=net.n_params, max_size=net.n_params))
    silent = draw(st.sets(st.sampled_from([(0, 0), (0, 1), (1, 0), (1, 1)]), min_size=1))
    point = Point.unflatten(net, theta)
    layers = [[list(map(list, lay.W)), list(lay.b)] for lay in point.layers]
    a = [[F(x)] for x in xs]
    for li in (0, 1):
        for u in range(2):
            if (li, u) in silent:
                i = draw(st.integers(0, len(xs) - 1))
                layers[li][1][u] = -sum((w * v for w, v in zip(layers[li][0][u], a[i], strict=True)), F(0))
                for row in layers[li + 1][0]:
                    row[u] = F(0)
        slope = net.negative_slope
        a = [
            [
                (lambda z: z if z > 0 else slope * z)(
                    sum((w * v for w, v in zip(row, ai, strict=True)), F(0)) + b
                )
                for row, b in zip(layers[li][0], layers[li][1], strict=True)
            ]
            for ai in a
        ]
    point = Point.of([(W, b) for W, b in layers])
    if draw(st.booleans()):  # random targets
        ys = draw(st.lists(small, min_size=len(xs), max_size=len(xs)))
    else:  # planted: y = f − e, e in the left null space of the piece's Jacobian (0 if there is none)
        theta = list(point.flatten())
        J = sympy.Matrix(_piece_jacobian(net, theta, [[x] for x in xs], lambda i: {}))
        e = sum((draw(st.integers(-3, 3)) * v for v in J.T.nullspace()), sympy.zeros(len(xs), 1))
        ys = [
            _forward(net, theta, [x])[0] - F(int(sympy.fraction(v)[0]), int(sympy.fraction(v)[1]))
            for x, v in zip(xs, e, strict=True)
        ]
    data = Dataset.of([[x] for x in xs], [[y] for y in ys])
    return net, data, point, silent


@settings(max_examples=12, deadline=None, suppress_health_check=HEALTH)
@given(silent_kinks(), st.lists(st.lists(small, min_size=13, max_size=13), min_size=3, max_size=3))
def test_kinks_behind_zero_outgoing_weights_are_decided_by_the_gradient(case, directions):
    """Whatever `first_order` decides agrees with the derivative network (`_decided_by_the_gradient`)."""
    _decided_by_the_gradient(case, directions)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(silent_kinks(), st.lists(st.lists(small, min_size=13, max_size=13), min_size=3, max_size=3))
def test_kinks_behind_zero_outgoing_weights_are_decided_by_the_gradient_thorough(case, directions):
    """`_decided_by_the_gradient` on more examples."""
    _decided_by_the_gradient(case, directions)


def _decided_by_the_gradient(case, directions):
    """Whatever `first_order` decides agrees with the derivative network: stationary ⇒ no sampled
    direction (random, ±e_p) has a negative one-sided derivative; not stationary ⇒ its direction does.
    Where every kink is a unit of S, it is always decided (F'(x; v) is linear there)."""
    net, data, point, silent = case
    region = region_of(net, data, point)
    fo = first_order(net, data, point, region)
    if {(lay, u) for lay, u, _ in region.kinks} <= silent:
        assert fo.stationary is not None, fo.reason
    n = net.n_params
    basis = [[F(s) if k == p else F(0) for k in range(n)] for p in range(n) for s in (1, -1)]
    if fo.stationary:
        assert all(_one_sided(net, data, point, v) >= 0 for v in [*directions, *basis])
    elif fo.stationary is False:
        assert _one_sided(net, data, point, list(fo.directions[0])) < 0


@pytest.mark.parametrize(("c", "verdict"), [(F(1), Verdict.SADDLE), (F(3, 2), Verdict.NOT_CRITICAL)])
def test_a_deep_relu_net_at_zero_is_a_saddle_at_the_mean_target(c, verdict):
    """Every weight and hidden bias 0: every hidden pre-activation is at its kink on every point, and the
    output is c. By hand, F'(0; v) = (2/N) Σ (c − y_i) v_c (the hidden units' outgoing weights are 0), so the
    point is stationary exactly when c = ȳ = 1; there the loss falls at third order along a positive
    direction (f − c = v·relu(W₂ relu(W₁x + b₁) + b₂), the witness checked by the reference loss)."""
    net = Network((1, 2, 2, 1), "relu")
    data = Dataset.of([[-1], [0], [1], [2]], [[0], [1], [0], [3]])
    point = Point.unflatten(net, [0] * 12 + [c])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is verdict, cert.reason
    assert cert.witness is not None
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)
