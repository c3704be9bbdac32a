"""One tanh unit split into three or four duplicates: minima and saddles on the (m − 1)-dimensional split set.

Truth, independent of badminima's derivatives: the Hessian of the exact lift, written out by hand for
one hidden tanh layer and mse (H = (2/N) Σ_i J_iᵀJ_i + r_i ∇²f_i) and evaluated in 60-digit mpmath at the
narrower network's minimum (polished to 256 bits): m − 1 eigenvalues vanish (the split set's directions)
and the signs of the others decide (Morse–Bott: all positive, a minimum; one negative, a saddle). Saddle
witnesses are checked with tests.reference.
"""

from __future__ import annotations

import functools
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from badminima.claims.unit_splitting.strategies import definite_case
from badminima.model import Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.duplicate_groups import certify_duplicate_group
from badminima.verify.embeddings import find_duplicate_groups, lift_group, reduce_group
from badminima.verify.polish import polish
from tests.grid import diagonal
from tests.reference import reference_loss
from tests.verify.planted import rounded


@functools.cache
def _small_minimum(sign: int):
    case = definite_case(sign)
    pol = polish(case.network, case.dataset, case.start, precision=256, steps=30)
    return case, Point.unflatten(case.network, [rounded(v, 40) for v in pol.point.flatten()])


def _mp(q: F) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _truth(case, small: Point, lams: tuple[F, ...]) -> str | None:
    """'local-min' / 'saddle' from the hand-written Hessian's spectrum at the exact lift (60 digits);
    None when it does not decide (more null directions than the split set's)."""
    m = len(lams)
    with mpmath.workdps(60):
        w, b, v, c = (_mp(x) for x in small.flatten())
        vs = [v * _mp(lam) for lam in lams]
        n = 3 * m + 1  # w_1..w_m, b_1..b_m, v_1..v_m, c
        H = mpmath.matrix(n, n)
        N = len(case.dataset.X)
        for (x,), (y,) in zip(case.dataset.X, case.dataset.y, strict=True):
            x = _mp(x)
            t = mpmath.tanh(w * x + b)
            t1, t2 = 1 - t * t, -2 * t * (1 - t * t)
            r = v * t + c - _mp(y)  # every copy computes t: the prediction is the narrower network's
            J = [vj * t1 * x for vj in vs] + [vj * t1 for vj in vs] + [t] * m + [mpmath.mpf(1)]
            for i in range(n):
                for k in range(n):
                    H[i, k] += 2 * J[i] * J[k] / N
            for j, vj in enumerate(vs):
                wj, bj, vv = j, m + j, 2 * m + j
                for (i, k), d2 in {
                    (wj, wj): vj * t2 * x * x,
                    (wj, bj): vj * t2 * x,
                    (bj, bj): vj * t2,
                    (wj, vv): t1 * x,
                    (bj, vv): t1,
                }.items():
                    H[i, k] += 2 * r * d2 / N
                    if i != k:
                        H[k, i] += 2 * r * d2 / N
        eig = sorted(mpmath.eigsy(H, eigvals_only=True))
    null = [e for e in eig if abs(e) < mpmath.mpf(10) ** -30]
    rest = [e for e in eig if abs(e) >= mpmath.mpf(10) ** -30]
    if len(null) != m - 1 or min(abs(e) for e in rest) < 1e-9:
        return None
    return "local-min" if min(rest) > 0 else "saddle"


def _point(sign: int, lams: tuple[F, ...], digits: int) -> tuple[Trap, str | None]:
    case, small = _small_minimum(sign)
    m = len(lams)
    big = Network((1, m, 1), "tanh")
    point = lift_group(small, tuple(range(m)), lams, m)
    point = Point.unflatten(big, [rounded(x, digits) for x in point.flatten()])
    return Trap(big, case.dataset, point), _truth(case, small, lams)


def _check(cert, trap: Trap, truth: str) -> None:
    if truth == "local-min":
        assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "lift-duplicated-units"), cert.reason
        assert cert.min_eigenvalue_bound > 0 and cert.box_radius is not None
    else:
        assert (cert.verdict, cert.code) == (Verdict.SADDLE, "lifted-saddle"), cert.reason
        assert reference_loss(trap.network, trap.dataset, cert.witness) < _mp(cert.loss_lower)


SPLITS = [
    (F(1, 3), F(1, 3), F(1, 3)),
    (F(2), F(-1, 2), F(-1, 2)),
    (F(1, 10), F(1, 5), F(7, 10)),
    (F(-1, 2), F(1), F(1, 2)),
    (F(1, 4), F(1, 4), F(1, 4), F(1, 4)),
    (F(2), F(-1, 3), F(-1, 3), F(-1, 3)),
]


@pytest.mark.parametrize(("sign", "lams", "digits"), diagonal([1, -1], SPLITS, [17, 12, 30]))
def test_split_sets_of_three_and_four_copies_are_minima_or_saddles_as_the_hessian_says(sign, lams, digits):
    trap, truth = _point(sign, lams, digits)
    assert truth is not None
    _check(certify(trap, probes=0), trap, truth)


def test_both_kinds_occur_and_the_group_is_found_and_merged_exactly():
    """The grid above holds minima and saddles for each sign of A; the group's reduction is the narrower
    point exactly (the copies' incoming weights equal, output weights summed)."""
    kinds = {(sign, _point(sign, lams, 17)[1]) for sign in (1, -1) for lams in SPLITS[:3]}
    assert kinds == {(1, "local-min"), (1, "saddle"), (-1, "local-min"), (-1, "saddle")}
    small = _small_minimum(1)[1]
    lifted = lift_group(small, (0, 1, 2), SPLITS[2], 3)
    assert find_duplicate_groups(Network((1, 3, 1), "tanh"), lifted) == [(0, 1, 2)]
    assert reduce_group(Network((1, 3, 1), "tanh"), lifted, (0, 1, 2))[1] == small


@st.composite
def _splits(draw):
    m = draw(st.integers(3, 4))
    parts = draw(
        st.lists(st.fractions(-3, 3, max_denominator=8).filter(bool), min_size=m - 1, max_size=m - 1)
    )
    last = 1 - sum(parts, F(0))
    assume(last != 0)
    return (*parts, last)


def _fuzz(sign, lams, digits):
    trap, truth = _point(sign, lams, digits)
    assume(truth is not None)
    cert = certify(trap, probes=0)
    if cert.verdict is not Verdict.INCONCLUSIVE:
        _check(cert, trap, truth)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([1, -1]), _splits(), st.sampled_from([12, 17, 30]))
def test_soundness_fuzz_duplicate_groups(sign, lams, digits):
    _fuzz(sign, lams, digits)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([1, -1]), _splits(), st.sampled_from([12, 17, 30]))
def test_soundness_fuzz_duplicate_groups_thorough(sign, lams, digits):
    _fuzz(sign, lams, digits)


def test_other_networks_are_left_to_other_proofs():
    """Two outputs, or ReLU units: no group lift (None), whatever the weights."""
    point = Point.of([([[2], [2], [2]], [1, 1, 1]), ([[1, 2, 3], [1, 1, 1]], [0, 0])])
    case, _ = _small_minimum(1)
    assert certify_duplicate_group(Network((1, 3, 2), "tanh"), case.dataset, point) is None
    one = Point.of([([[2], [2], [2]], [1, 1, 1]), ([[1, 2, 3]], [0])])
    assert certify_duplicate_group(Network((1, 3, 1), "relu"), case.dataset, one) is None
