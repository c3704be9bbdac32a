"""The batched forward pass (`Batch`, `BatchArithmetic`): K points at once, the init index last, give the
losses of an independent per-point reference (plain loops over Fractions, mpmath at 60 digits), and its
torch derivatives give the package's back-propagated gradient and forward-mode Hessian, computed exactly
(Fractions) for piecewise-linear nets and in rigorous ball arithmetic for smooth ones."""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import example, given, settings, strategies as st

from badminima import BallArithmetic, Dataset, ExactArithmetic, Network, Point, loss
from badminima.arithmetic import batch as batch_module
from badminima.arithmetic.batch import Batch, BatchArithmetic
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.problem import prepare
from badminima.search.columns import column_derivatives, column_gradient_fn, column_losses
from badminima.strategies import datasets, networks, points, rationals

from ..reference import reference_loss

EXACT, BALL = ExactArithmetic(), BallArithmetic(128)


@st.composite
def batches(draw, *, max_hidden_layers=3, max_width=3, max_points=4):
    net = draw(networks(max_hidden_layers=max_hidden_layers, max_width=max_width))
    pts = draw(st.lists(points(net), min_size=1, max_size=max_points))
    return net, draw(datasets(net, max_points=4)), pts


def _reference(net: Network, data: Dataset, point: Point) -> Fraction | mpmath.mpf:
    """`reference_loss`, exact (Fractions) or at a working precision doubled until two successive values
    agree to 50 digits: at a logit z its 60-digit default loses about |z|/2.3 digits in log(1 − σ(z))."""
    value = reference_loss(net, data, point)
    if isinstance(value, Fraction):
        return value
    dps = mpmath.mp.dps
    while True:
        dps *= 2
        with mpmath.workdps(dps):
            finer = reference_loss(net, data, point)
            if abs(finer - value) <= mpmath.mpf(10) ** -50 * max(1, abs(finer)):
                return finer
        value = finer


def _data(dataset: Dataset, dtype=torch.float64) -> tuple[Batch, Batch]:
    """Inputs (d0, N, 1) and targets (dL, N, 1), built here from the Fractions, not by the engine."""
    X = torch.tensor([[float(v) for v in row] for row in dataset.X], dtype=dtype).T
    y = torch.tensor([[float(v) for v in row] for row in dataset.y], dtype=dtype).T
    return Batch(X[..., None].contiguous()), Batch(y[..., None].contiguous())


def _thetas(pts: list[Point], dtype=torch.float64) -> torch.Tensor:
    return torch.tensor([[float(v) for v in p.flatten()] for p in pts], dtype=dtype).T.contiguous()


def _ball_close(ball, value: float, scale: float, rel: float) -> bool:
    """``value`` lies in the ball widened by ``rel``·scale (float64 rounding of the batched pass)."""
    mid, rad = float(ball.mid()), float(ball.rad())
    return abs(value - mid) <= rad + rel * max(1.0, scale)


def _exact_or_ball(network: Network):
    # Piecewise-linear hidden units with an identity output and mse: every value is a rational number,
    # computed exactly; otherwise a rigorous ball (python-flint arb) encloses it.
    return EXACT if network.has_rational_loss else BALL


def _as_float_and_radius(value) -> tuple[float, float]:
    if isinstance(value, Fraction):
        return float(value), 0.0
    return float(value.mid()), float(value.rad())


@given(batches())
@example(
    (
        # logits 0 and 128 under bce: 128 + log 2, where the reference at 60 digits is off by 1.5e-6
        Network((2, 1, 1, 2), "identity", output="sigmoid", loss="bce"),
        Dataset.of([[2, 0]], [[0, 0]]),
        [Point.of([([[4, 0]], [0]), ([[4]], [0]), ([[0], [4]], [0, 0])])],
    )
)
@example(
    (
        Network((1, 1, 1), "relu"),
        Dataset.of([[0], [1]], [[1], [0]]),
        [Point.of([([[1]], [0]), ([[1]], [0])])],  # a pre-activation exactly 0: the kink is continuous
    )
)
def test_batched_losses_equal_the_independent_reference(case):
    net, data, pts = case
    inputs, targets = _data(data)
    losses = column_losses(net, inputs, targets, _thetas(pts))
    assert losses.shape == (len(pts),) and losses.dtype == torch.float64
    for k, point in enumerate(pts):
        ref = _reference(net, data, point)
        if isinstance(ref, Fraction):
            # Both rational: the package's own exact loss must agree too, to the last digit.
            assert loss(net, data, point, arith=EXACT) == ref
        assert abs(float(losses[k]) - float(ref)) <= 1e-12 * max(1.0, abs(float(ref)))


@given(batches(max_hidden_layers=2, max_width=3))
def test_float32_batches_are_float32_and_close(case):
    net, data, pts = case
    inputs, targets = _data(data, torch.float32)
    losses = column_losses(net, inputs, targets, _thetas(pts, torch.float32))
    assert losses.dtype == torch.float32
    for k, point in enumerate(pts):
        ref = float(_reference(net, data, point))
        # Single precision, a few dozen roundings per value (unit roundoff 6e-8) of terms up to ~|ref|·...
        assert abs(float(losses[k]) - ref) <= 1e-4 * max(1.0, abs(ref))


FLOAT_KINK = (
    Network((2, 1, 2, 1), "relu"),
    Dataset.of([[-1, 1]], [[0]]),
    # Second-layer pre-activations exactly 0; the engine's float for 1·(1/3) − 1/3, after the first
    # layer's −2·(−1) + (1/3)·1 − 2, is 2.2e-16: that kink is on the active side there.
    [Point.of([([[-2, Fraction(1, 3)]], [-2]), ([[0], [1]], [0, Fraction(-1, 3)]), ([[0, 1]], [1])])],
)


@settings(max_examples=15)
@given(batches(max_hidden_layers=2, max_width=3, max_points=3))
@example(FLOAT_KINK)
def test_engine_gradients_equal_back_propagation(case):
    _gradients_agree(case)


@pytest.mark.slow
@settings(max_examples=200)
@given(batches(max_hidden_layers=2, max_width=3, max_points=3))
def test_engine_gradients_equal_back_propagation_thorough(case):
    _gradients_agree(case)


def _gradients_agree(case):
    net, data, pts = case
    inputs, targets = _data(data)
    grads, losses = column_gradient_fn(net, inputs, targets)(_thetas(pts))
    assert grads.shape == (net.n_params, len(pts))
    arith = _exact_or_ball(net)
    for k, point in enumerate(pts):
        # The package's hand-written back-propagation, exact or rigorous, on the piece the engine takes:
        # a ReLU at exactly 0 is inactive there, but beyond the first layer the engine sees a float that
        # its own rounding may have moved off 0, so each such kink may be on either side.
        engine = [float(grads[j, k]) for j in range(net.n_params)]
        assert any(_within(engine, expected) for expected in _piece_gradients(net, data, point, arith))
        scale = max([abs(g) for g in engine] + [1.0])
        assert abs(float(losses[k]) - float(_reference(net, data, point))) <= 1e-12 * scale


def _within(engine: list[float], expected, rel: float = 1e-11) -> bool:
    values = [_as_float_and_radius(v) for v in expected]
    scale = max([abs(m) for m, _ in values] + [1.0])
    return all(abs(g - mid) <= rad + rel * scale for g, (mid, rad) in zip(engine, values, strict=True))


def _piece_gradients(net: Network, data: Dataset, point: Point, arith, of=gradient_of_flat):
    """The exact gradient (or ``of=hessian_of_flat``: Hessian) of the inactive piece, then (at most 2^6 of)
    those of every side choice of the kinks beyond the first hidden layer."""
    prob = prepare(net, data, point, arith=arith, kink_side="inactive")
    with arith.context():
        yield of(net, prob.inputs, prob.targets, prob.flat, arith=arith, masks=prob.masks)
        deep = [kink for kink in (prob.region.kinks if prob.region else ()) if kink[0] > 0][:6]
        for sides in itertools.product((False, True), repeat=len(deep)):
            masks = [m.copy() for m in prob.masks]
            for (layer, unit, i), side in zip(deep, sides, strict=True):
                masks[layer][unit, i] = side
            yield of(net, prob.inputs, prob.targets, prob.flat, arith=arith, masks=masks)


@given(batches(max_hidden_layers=2, max_width=2, max_points=2))
@example(FLOAT_KINK)
def test_engine_hessians_equal_the_package_hessians(case):
    net, data, pts = case
    inputs, targets = _data(data)
    *_, hess = column_derivatives(net, inputs, targets, _thetas(pts))
    p = net.n_params
    assert hess.shape == (len(pts), p, p)
    assert torch.allclose(hess, hess.transpose(1, 2), rtol=1e-12, atol=1e-12)
    arith = _exact_or_ball(net)
    for k, point in enumerate(pts):
        # As for the gradients: a kink beyond the first layer may sit on either side of the engine's float.
        engine = [float(v) for v in hess[k].flatten()]
        pieces = _piece_gradients(net, data, point, arith, of=hessian_of_flat)
        assert any(_within(engine, [v for row in expected for v in row], 1e-10) for expected in pieces)


def _reference_at(net: Network, data: Dataset, flat: list[Fraction]) -> mpmath.mpf:
    value = _reference(net, data, Point.unflatten(net, flat))
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    return value


@given(
    networks(activations=("sigmoid", "tanh", "identity"), max_hidden_layers=2, max_width=2).flatmap(
        lambda net: st.tuples(
            st.just(net),
            datasets(net, max_points=3),
            points(net),
            st.lists(rationals(), min_size=net.n_params, max_size=net.n_params),
        )
    )
)
def test_directional_derivatives_match_mpmath_differences(case):
    # Fully independent of the package's maths: central differences of the plain-loop reference at
    # 60 digits with h = 10^-15 (truncation ~h²·|f'''| ≈ 1e-30, cancellation ~1e-60/h = 1e-45).
    net, data, point, direction = case
    inputs, targets = _data(data)
    theta = _thetas([point])
    _, grads, hess = column_derivatives(net, inputs, targets, theta)
    v = torch.tensor([float(d) for d in direction], dtype=torch.float64)
    base = list(point.flatten())
    h = Fraction(1, 10**15)
    plus = _reference_at(net, data, [b + h * d for b, d in zip(base, direction, strict=True)])
    minus = _reference_at(net, data, [b - h * d for b, d in zip(base, direction, strict=True)])
    centre = _reference_at(net, data, base)
    hm = mpmath.mpf(1) / 10**15
    first = (plus - minus) / (2 * hm)
    second = (plus - 2 * centre + minus) / hm**2
    g_dir = float(grads[:, 0] @ v)
    h_dir = float(v @ hess[0] @ v)
    scale = 1 + float(torch.abs(v).sum()) ** 2 * (1 + abs(float(centre)))
    assert abs(g_dir - float(first)) <= 1e-10 * scale
    assert abs(h_dir - float(second)) <= 1e-9 * scale


@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 5),
    st.integers(1, 6),
    st.booleans(),
    st.integers(0, 2**31 - 1),
)
def test_matmul_is_per_column_and_both_kernels_agree(out, inner, n, k, shared, seed):
    # The broadcast product and the einsum path must both give, column by column, W[..., c] @ a[..., c].
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(out, inner, k, generator=gen, dtype=torch.float64)
    a = torch.randn(inner, n, 1 if shared else k, generator=gen, dtype=torch.float64)
    product = (Batch(w) @ Batch(a)).t
    expected = torch.stack([w[..., c] @ a[..., 0 if shared else c] for c in range(k)], -1)
    assert product.shape == (out, n, k)
    assert torch.allclose(product, expected, rtol=1e-14, atol=1e-14)
    limit = batch_module._BROADCAST_LIMIT
    try:
        batch_module._BROADCAST_LIMIT = 0
        assert torch.allclose((Batch(w) @ Batch(a)).t, expected, rtol=1e-14, atol=1e-14)
        # A plain (unbatched) right operand is data shared by every column.
        plain = a[..., 0]
        assert torch.allclose(
            (Batch(w) @ plain).t,
            torch.stack([w[..., c] @ plain for c in range(k)], -1),
            rtol=1e-14,
            atol=1e-14,
        )
    finally:
        batch_module._BROADCAST_LIMIT = limit


def test_elementwise_operators_broadcast_plain_operands_over_the_batch_axis():
    t = torch.arange(6, dtype=torch.float64).reshape(3, 2) + 1  # (units=3, K=2)
    b = Batch(t)
    v = torch.tensor([10.0, 20.0, 30.0], dtype=torch.float64)  # one value per unit, shared by all K
    assert b.shape == (3,)
    assert torch.equal((b + v).t, t + v[:, None]) and torch.equal((v + b).t, t + v[:, None])
    assert torch.equal((b - v).t, t - v[:, None]) and torch.equal((v - b).t, v[:, None] - t)
    assert torch.equal((b * 2).t, 2 * t) and torch.equal((2 * b).t, 2 * t)
    assert torch.equal((b / v).t, t / v[:, None]) and torch.equal((-b).t, -t)
    assert torch.equal((b + b).t, 2 * t)
    assert torch.equal(b[1:].t, t[1:]) and b.reshape(3, 1).shape == (3, 1)
    arith = BatchArithmetic()
    assert torch.equal(arith.total(b), t.sum(0))
    assert torch.equal(arith.concat([b, b[:1]]).t, torch.cat([t, t[:1]]))
    assert torch.equal(arith.where(arith.positive(b - 3, at_zero=False), b, 0).t, torch.where(t > 3, t, 0))
    assert torch.equal(arith.positive(b - 3, at_zero=True).t, t >= 3)
    for fn, ref in ((arith.sigmoid, torch.sigmoid), (arith.tanh, torch.tanh)):
        assert torch.equal(fn(b).t, ref(t)) and torch.equal(fn(t), ref(t))
    # softplus without overflow far out, and log(1 + e^x) exactly where that is representable
    big = Batch(torch.tensor([[-800.0, 0.0, 800.0]], dtype=torch.float64).T)
    out = arith.softplus(big).t[:, 0]
    assert out[0] == 0.0 and abs(float(out[1]) - float(np.log(2))) < 1e-16 and out[2] == 800.0
    assert arith.constant(Fraction(1, 4)) == 0.25
    assert arith.matrix([[Fraction(1, 2), 1]]).t.shape == (1, 2, 1)


@pytest.mark.parametrize(
    ("method", "args", "fragment"),
    [
        ("sign", (Batch(torch.zeros(1, 2)),), "K signs"),
        ("to_float", (Batch(torch.zeros(1, 2)),), "K values"),
        ("jacobian", (lambda x, a: x, Batch(torch.zeros(1, 2))), "torch.func"),
    ],
)
def test_scalar_questions_are_refused(method, args, fragment):
    with pytest.raises(TypeError, match=fragment):
        getattr(BatchArithmetic(), method)(*args)


@given(batches(max_hidden_layers=2, max_width=2, max_points=3), st.integers(0, 4))
def test_engine_derivatives_of_a_column_do_not_depend_on_its_neighbours(case, blocks):
    # The search's determinism: padded to a multiple of LANES (as the search pads every batch: torch
    # rounds a SIMD body and a scalar tail differently), a start's gradient and Hessian are
    # bit-identical alone and at the end of a batch spanning several forward-mode blocks.
    from badminima.search.columns import LANES

    net, data, pts = case
    inputs, targets = _data(data)
    theta = _thetas(pts)
    k = theta.shape[1]
    alone = torch.cat([theta, theta[:, :1].expand(-1, LANES - k)], dim=1)
    wide = torch.cat([torch.zeros(theta.shape[0], blocks * LANES, dtype=theta.dtype), alone], dim=1)
    one = column_derivatives(net, inputs, targets, alone)
    many = column_derivatives(net, inputs, targets, wide)
    last = wide.shape[1] - LANES
    for a, b in zip(one, many, strict=True):
        assert torch.equal(a, b[..., last:] if a.ndim == 2 else b[last:])


def test_where_keeps_python_floats_in_the_batch_dtype():
    # torch.where of two Python floats is float32: the leaky-ReLU slope 0.01 must stay float64.
    mask = Batch(torch.tensor([[True, False]])[..., None])
    out = BatchArithmetic(torch.float64).where(mask, 1.0, 0.01)
    assert out.t.dtype == torch.float64
    assert out.t[0, 1, 0].item() == 0.01
