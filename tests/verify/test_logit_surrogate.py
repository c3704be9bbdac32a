"""Sigmoid outputs at logit 0 over ReLU / leaky-ReLU units at their kinks: the least-squares surrogates.

Truth is derived here by hand, sharing no code with `badminima.verify`. The family: one hidden layer
whose units all sit at the origin (w_j = b_j = 0, so every pre-activation is exactly 0), output weights
v_j, output bias 0, so every logit is 0 and the loss's gradient in the logits is g ∝ 1/2 − y (bce, and
mse through a sigmoid). Nearby, the logits move by Δz = c·1 + Σ_j v_j σ(X̃ w̃_j), with σ(X̃ w̃) positively
homogeneous in w̃, so ⟨g, Δz⟩ = c·Σ g + Σ_j v_j φ(w̃_j) with φ(w̃) = Σ_i g_i σ(x̃_i·w̃). φ is linear on
each sector between the rays ±(1, −x_i) (d0 = 1), so its sign is read off those rays. The loss is C² and
strongly convex in the logits at 0, so F − F* = ⟨g, Δz⟩ + Θ(‖Δz‖²):
- Σ g ≠ 0, or v_j ≠ 0 with v_j φ(r) < 0 on some ray r: first-order descent, `not-critical`;
- else a unit with v_j = 0 and φ(r) ≠ 0: v_j = −t·sign φ(r), w̃_j = t·r moves the logits by O(t²) with
  ⟨g, Δz⟩ = −t²|φ(r)| while ‖Δz‖² = O(t⁴), and no first-order descent: a `saddle`;
- else ⟨g, Δz⟩ ≥ 0 nearby: a (non-strict) `local-min`.
"""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.logit_surrogate import logit_surrogates
from tests.reference import reference_loss

SLOPE = F(1, 100)


def _truth(xs, ys, vs, activation):
    g = [F(1, 2) - y for y in ys]
    if sum(g) != 0:
        return "not-critical"

    def act(t):
        return t if t >= 0 else (SLOPE * t if activation == "leaky_relu" else F(0))

    rays = [(F(0), F(1)), (F(0), F(-1))] + [(s, -s * x) for x in xs for s in (F(1), F(-1))]
    phi = [sum(gi * act(w * x + b) for gi, x in zip(g, xs, strict=True)) for w, b in rays]
    if any(v != 0 and any(v * p < 0 for p in phi) for v in vs):
        return "not-critical"
    if any(v == 0 for v in vs) and any(phi):
        return "saddle"
    return "local-min"


def _trap(xs, ys, vs, activation, loss):
    net = Network((1, len(vs), 1), activation, output="sigmoid", loss=loss)
    point = Point.unflatten(net, [F(0)] * (2 * len(vs)) + [F(v) for v in vs] + [F(0)])
    return Trap(network=net, dataset=Dataset.of([[x] for x in xs], [[y] for y in ys]), point=point)


@st.composite
def origin_units(draw):
    """Targets 1/2 − g with g a sum of second differences (Σ g = 0 = Σ g·x, so minima and saddles are
    common), sometimes perturbed; one or two units at the origin."""
    xs = sorted(draw(st.lists(st.integers(-4, 4), min_size=3, max_size=5, unique=True)))
    g = [F(0)] * len(xs)
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(1, len(xs) - 2))
        a, b = F(1, xs[i] - xs[i - 1]), F(1, xs[i + 1] - xs[i])
        s = F(draw(st.sampled_from([1, 1, -1])), draw(st.sampled_from([4, 8])))
        for k, w in ((i - 1, a), (i, -a - b), (i + 1, b)):
            g[k] += s * w
    if draw(st.booleans()):
        k = draw(st.integers(0, len(xs) - 1))
        g[k] += F(1, 16)
        g[(k + 1) % len(xs)] -= F(1, 16)
    ys = [F(1, 2) - v for v in g]
    vs = draw(st.lists(st.sampled_from([-1, 0, 1, 2]), min_size=1, max_size=2))
    activation = draw(st.sampled_from(["relu", "relu", "leaky_relu"]))
    loss = draw(st.sampled_from(["bce", "mse"]))
    return xs, ys, vs, activation, loss


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(origin_units())
def test_units_at_the_origin_under_a_sigmoid_output(case):
    xs, ys, vs, activation, loss = case
    if not all(0 <= y <= 1 for y in ys):
        return
    cert = certify(_trap(xs, ys, vs, activation, loss), probes=0)
    truth = _truth(xs, ys, vs, activation)
    got = "local-min" if cert.verdict is Verdict.BAD_LOCAL_MIN else cert.verdict.value
    assert got == truth, (cert.code, cert.reason)


def test_a_minimum_only_the_surrogate_proves():
    # g = (1/4, −1/2, 1/4) at x = (−1, 0, 1): φ(w̃) is a second difference of a convex function, ≥ 0.
    trap = _trap([-1, 0, 1], [F(1, 4), F(1), F(1, 4)], [1], "relu", "bce")
    assert _truth([-1, 0, 1], [F(1, 4), F(1), F(1, 4)], [1], "relu") == "local-min"
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code, cert.method) == (
        Verdict.LOCAL_MIN,
        "logit-surrogate-minimum",
        "logit-surrogate",
    )


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_a_saddle_through_the_upper_surrogate_has_a_lower_point_at_60_digits(loss):
    xs, ys, vs = [1, 3, 4], [F(3, 8), F(7, 8), F(1, 4)], [1, 0]
    assert _truth(xs, ys, vs, "relu") == "saddle"
    trap = _trap(xs, ys, vs, "relu", loss)
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.method) == (Verdict.SADDLE, "logit-surrogate")
    assert cert.witness is not None
    here = reference_loss(trap.network, trap.dataset, trap.point)
    there = reference_loss(trap.network, trap.dataset, cert.witness)
    assert there < here - mpmath.mpf(10) ** -50
    assert mpmath.mpf(cert.witness_loss_upper.numerator) / cert.witness_loss_upper.denominator < here


def test_no_surrogate_off_logit_zero():
    trap = _trap([-1, 0, 1], [F(1, 4), F(1), F(1, 4)], [1], "relu", "bce")
    moved = Point.unflatten(trap.network, [F(0), F(0), F(1), F(1, 3)])
    assert logit_surrogates(trap.network, trap.dataset, moved) is None
    assert logit_surrogates(trap.network, trap.dataset, trap.point) is not None
