"""Deep ReLU nets whose layers above the first are affine on the data: the collapsed one-hidden-layer net.

Truth is independent of `badminima.verify`: the collapsed net's outputs are compared with a plain-Fraction
forward pass of the deep net (`tests.reference`) at the point and at nearby points, and the verdicts
with the ray truth of `tests/verify/test_logit_surrogate.py` worked out by hand for the family below.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from badminima.landscape import region_of
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.upper_layers import collapse_upper_layers
from tests.reference import reference_output


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(["relu", "leaky_relu"]), st.booleans())
def test_the_collapsed_net_computes_the_deep_one_nearby(seed, activation, bias):
    rng = random.Random(seed)
    widths = (
        rng.randint(1, 2),
        rng.randint(1, 3),
        rng.randint(1, 2),
        *rng.choice([(), (2,)]),
        rng.randint(1, 2),
    )
    net = Network(widths, activation, bias=bias)
    data = Dataset.of(
        [[rng.randint(-3, 3) for _ in range(widths[0])] for _ in range(4)],
        [[0] * widths[-1] for _ in range(4)],
    )
    flat = [F(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(net.n_params)]
    point = Point.unflatten(net, flat)
    collapsed = collapse_upper_layers(net, point, region_of(net, data, point))
    if collapsed is None:
        signs = region_of(net, data, point).signs[1:]
        assert any(len({s for s in unit}) > 1 or 0 in unit for layer in signs for unit in layer)
        return
    small, at = collapsed
    assert small.widths == (widths[0], widths[1], widths[-1])
    # an effective weight its paths cancel exactly (0 at the point) is a few 1e-6 nearby: refused there
    # (`CANCELLATION`), so only the point itself is checked
    moves = 1 if any(w == 0 for row in at.layers[-1].W for w in row) else 3
    for k in range(moves):
        # Nearby (signs kept above the first layer), the deep net is the collapsed net of its own point.
        moved = Point.unflatten(net, [q + F(rng.randint(-9, 9), 10**6) for q in flat]) if k else point
        again = collapse_upper_layers(net, moved, region_of(net, data, moved))
        assert again is not None
        for x in data.X:
            assert reference_output(net, moved, x) == reference_output(small, again[1], x)
        if k == 0:
            assert again[1] == at


def _deep_origin_trap(xs, ys, a, v, output):
    """1-2-1-1 ReLU: both first-layer units at the origin (kinks on every point), the second-layer unit
    z = a·h + 1 > 0 active everywhere, output v·relu(z) + c: effective output weights u = v·a, c + v."""
    loss = "mse" if output == "identity" else "bce"
    net = Network((1, 2, 1, 1), "relu", output=output, loss=loss)
    c = sum(ys, F(0)) / len(ys) - v if output == "identity" else -F(v)
    point = Point.of([([[0], [0]], [0, 0]), ([a], [1]), ([[v]], [c])])
    return Trap(network=net, dataset=Dataset.of([[x] for x in xs], [[y] for y in ys]), point=point)


@settings(max_examples=8, deadline=None)
@given(st.data())
def test_units_at_the_origin_below_an_active_layer(data):
    """`_units_at_the_origin` on a few examples (more with -m slow)."""
    _units_at_the_origin(data)


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(st.data())
def test_units_at_the_origin_below_an_active_layer_thorough(data):
    """`_units_at_the_origin` on more examples."""
    _units_at_the_origin(data)


def _units_at_the_origin(data):
    """The family: h = (0, 0) on the data, f = c + v(a·h + 1); nearby f = c' + Σ_j u_j relu(w̃_j·x̃) with
    u = v·a near its value. With residual e (f − y, or σ(0) − y for bce, both ∝ the loss's slope, Σ e = 0),
    ⟨e, Δf⟩ = Σ_j u_j φ(w̃_j), φ(w̃) = Σ_i e_i relu(w̃·x̃_i): a minimum iff u_j φ ≥ 0 on every ray for every
    j (with u_j = 0 needing φ ≡ 0), else not a minimum (first- or second-order descent through w̃_j and
    a_j, v ≠ 0)."""
    xs = sorted(data.draw(st.lists(st.integers(-4, 4), min_size=3, max_size=4, unique=True)))
    # Residuals: a second difference (Σ e = 0 = Σ e·x: minima are common), sometimes perturbed.
    k = data.draw(st.integers(1, len(xs) - 2))
    left, right = F(1, xs[k] - xs[k - 1]), F(1, xs[k + 1] - xs[k])
    sign = F(data.draw(st.sampled_from([1, -1])), 8)
    e = [F(0)] * len(xs)
    e[k - 1], e[k], e[k + 1] = sign * left, -sign * (left + right), sign * right
    if data.draw(st.booleans()):
        e[0], e[-1] = e[0] + F(1, 16), e[-1] - F(1, 16)
    output = data.draw(st.sampled_from(["identity", "sigmoid"]))
    ys = [-v for v in e] if output == "identity" else [F(1, 2) - v for v in e]
    a = [F(data.draw(st.sampled_from([-1, 0, 1, 2]))) for _ in range(2)]
    v = F(data.draw(st.sampled_from([-1, 1, 3])))
    rays = [(F(0), F(1)), (F(0), F(-1))] + [(s, -s * x) for x in xs for s in (F(1), F(-1))]
    phi = [sum(ei * max(F(0), w * x + b) for ei, x in zip(e, xs, strict=True)) for w, b in rays]
    u = [v * aj for aj in a]
    minimum = all(uj * p >= 0 for uj in u for p in phi) and not (any(uj == 0 for uj in u) and any(phi))
    cert = certify(_deep_origin_trap(xs, ys, a, v, output), probes=0)
    if minimum:
        assert cert.verdict in (Verdict.LOCAL_MIN, Verdict.BAD_LOCAL_MIN), (cert.code, cert.reason)
    else:
        assert cert.verdict not in (Verdict.LOCAL_MIN, Verdict.BAD_LOCAL_MIN), (cert.code, cert.reason)
