"""Rounded critical points of two-output 1-1-2 tanh nets and 1-2-1 nets with a sigmoid output and
cross-entropy, degenerate ones included (a unit constant on the data, duplicated units, a unit born at
zero).

Truth comes from `tests.verify.planted_heads`: critical points built by construction and checked there
at 80 digits (gradient ≤ 1e-60; the Hessian's spectrum), sharing no code with `badminima`. An exactly
critical point with a Hessian eigenvalue below −1e-40 is a saddle; one with every eigenvalue above 1e-40 a
strict minimum (the 80-digit spectrum is good to about 1e-70). Witnesses' losses are recomputed by
`tests.reference` at 60 digits.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from badminima.model import Network, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss
from tests.verify import planted_heads as ph

FUZZ = settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
FUZZ_SLOW = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))

BCE = {a: Network((1, 1, 1), a, output="sigmoid", loss="bce") for a in ("tanh", "sigmoid")}
EMBEDDINGS = ("split", "born")


def _mp(q: F):
    return mpmath.mpf(q.numerator) / q.denominator


def _truth(p: ph.Planted) -> str:
    assert p.gradient < 1e-60, p.gradient  # critical by construction
    if p.eigenvalues[0] < -1e-40:  # the 80-digit spectrum is good to ~1e-70
        return "saddle"
    return "minimum" if p.eigenvalues[0] > 1e-40 else "degenerate"


def _check(p: ph.Planted, digits: int) -> tuple[str, object]:
    """Certify ``p`` rounded to ``digits``; assert the answer is never of the wrong kind, and check a
    saddle's witness and a minimum's loss bound at 60 digits. Returns (truth, certificate)."""
    truth = _truth(p)
    cert = certify(Trap(p.network, p.dataset, p.point(digits)), probes=0)
    assert cert.verdict is not Verdict.NOT_CRITICAL, cert.reason  # a rounded critical point
    critical_loss = reference_loss(p.network, p.dataset, p.point())
    if truth == "saddle":
        assert not cert.verdict.is_minimum, (p.eigenvalues, cert.reason)
    if truth == "minimum":
        assert cert.verdict is not Verdict.SADDLE, (p.eigenvalues, cert.reason)
    if cert.verdict is Verdict.SADDLE:
        with mpmath.workdps(100):  # the witness is lower by as little as 1e-55: 60 digits cannot order it
            witness = reference_loss(p.network, p.dataset, cert.witness)
            upper = _mp(cert.witness_loss_upper)
        assert witness <= upper, cert.reason
        assert cert.witness_loss_upper < cert.loss_lower, cert.reason  # exact: the gap can be 1e-66
        assert _mp(cert.loss_lower) <= critical_loss + mpmath.mpf("1e-50"), cert.reason
    if cert.verdict.is_minimum:
        assert _mp(cert.loss_lower) <= critical_loss + mpmath.mpf("1e-50"), cert.reason
    return truth, cert


@pytest.mark.parametrize("digits", [6, 17, 30])
def test_constant_unit_with_two_outputs_is_a_proved_saddle(digits):
    # w = 0, V ⊥ the residual moment: a 2-dimensional manifold of exactly critical points, each a saddle
    # (eigenvalue −0.063 at 80 digits beside two exact zeros); before, `near-critical-set`.
    p = ph.constant_unit_two_outputs(0)
    assert p.eigenvalues[0] < -0.06 and abs(p.eigenvalues[1]) < 1e-70 and abs(p.eigenvalues[2]) < 1e-70
    truth, cert = _check(p, digits)
    assert truth == "saddle"
    assert cert.verdict is Verdict.SADDLE and cert.code == "lifted-constant-saddle", cert.reason


def test_constant_unit_off_the_critical_manifold_is_not_lifted():
    # The output weights 1/4 off null(A): far beyond the point's rounding, so M is not near; the lift
    # must not claim anything there (the point is not critical: ∂F/∂w ≠ 0).
    p = ph.constant_unit_two_outputs(0)
    theta = list(p.point(17).flatten())
    theta[2] += F(1, 4)
    net = p.network
    from badminima.model import Point
    from badminima.verify.constant_units import certify_constant_units

    assert certify_constant_units(net, p.dataset, Point.unflatten(net, theta)) is None


@pytest.mark.parametrize(("activation", "embedding"), [("tanh", "split"), ("sigmoid", "born")])
def test_embedded_cross_entropy_saddle_is_proved(activation, embedding):
    # A 1-1-1 cross-entropy saddle (index 1 at 80 digits) duplicated 1/3 : 2/3, or with a unit born at 0.
    base = ph.plant(0, network=BCE[activation], residual=0.3)
    assert base is not None and base.index == 1
    p = ph.split_units(base, F(1, 3)) if embedding == "split" else ph.born_unit(base, F(1, 2))
    truth, cert = _check(p, 17)
    assert truth == "saddle"
    assert cert.verdict is Verdict.SADDLE and cert.code == "embedded-saddle", cert.reason


def test_split_of_a_cross_entropy_minimum_is_a_proved_saddle():
    # The 1-1-1 point is a strict minimum (every eigenvalue ≥ 3.9e-5 at 80 digits); its split line
    # carries a negative eigenvalue (−1.6e-5): the lift's saddle proof, now for cross-entropy too.
    base = ph.plant(0, network=BCE["tanh"], residual=0.02)
    assert base is not None and base.index == 0
    truth, cert = _check(ph.split_units(base, F(1, 3)), 17)
    assert truth == "saddle"
    assert cert.verdict is Verdict.SADDLE and cert.code == "lifted-saddle", cert.reason


def _family_case(family: str, seed: int, residual: float, lam: F) -> ph.Planted:
    if family.startswith("constant"):
        head = {"constant": ("identity", "mse"), "constant-bce": ("sigmoid", "bce")}.get(family)
        output, loss = head or ("sigmoid", "mse")
        return ph.constant_unit_two_outputs(seed, output=output, loss=loss)
    if family == "generic-112":
        p = ph.plant(seed, network=Network((1, 1, 2), "tanh"), residual=residual)
    elif family == "generic-bce":
        p = ph.plant(
            seed, network=Network((1, 2, 1), "tanh", output="sigmoid", loss="bce"), residual=residual
        )
    else:
        act, embedding = family.split("-")
        base = ph.plant(seed, network=BCE[act], residual=residual)
        assume(base is not None and base.gradient < 1e-60)
        assert base is not None
        p = ph.split_units(base, lam) if embedding == "split" else ph.born_unit(base, lam)
    assume(p is not None and p.gradient < 1e-60)
    assert p is not None
    return p


FAMILIES = st.sampled_from(
    [
        "constant",
        "constant-bce",
        "constant-sigmoid-mse",
        "generic-112",
        "generic-bce",
        *(f"{a}-{e}" for a in BCE for e in EMBEDDINGS),
    ]
)


def _soundness(family: str, seed: int, residual: float, lam: F, digits: int) -> None:
    p = _family_case(family, seed, residual, lam)
    truth, cert = _check(p, digits)
    # Curvature that rounding to `digits` cannot hide (as in test_rounded), or an invariance's exact zero.
    floor = 1e-4 if digits <= 6 else 1e-6
    resolved = all(abs(e) < 1e-50 or abs(e) >= floor for e in p.eigenvalues)
    if (
        truth == "saddle"
        and resolved
        and family in ("constant", *(f"{a}-{e}" for a in BCE for e in EMBEDDINGS))
    ):
        # The families this change proves: a saddle, not `near-critical-set`.
        assert cert.verdict is Verdict.SADDLE, (p.eigenvalues, cert.reason)


@FUZZ
@given(
    FAMILIES,
    st.integers(0, 10**6),
    st.sampled_from([0.02, 0.3]),
    st.sampled_from([F(1, 3), F(-1, 2), F(1, 2)]),
    st.sampled_from([6, 17, 30]),
)
def test_rounded_critical_points_of_these_heads_are_never_misclassified(family, seed, residual, lam, digits):
    _soundness(family, seed, residual, lam, digits)


@pytest.mark.slow
@FUZZ_SLOW
@given(
    FAMILIES,
    st.integers(0, 10**6),
    st.sampled_from([0.02, 0.05, 0.3, 1.0]),
    st.sampled_from([F(1, 3), F(-1, 2), F(3, 2), F(1, 2), F(0), F(-2)]),
    st.sampled_from([6, 17, 30]),
)
def test_rounded_critical_points_of_these_heads_are_never_misclassified_thorough(
    family, seed, residual, lam, digits
):
    _soundness(family, seed, residual, lam, digits)


@pytest.mark.slow
def test_example_files_are_regenerated_identically(tmp_path, monkeypatch):
    import tools.rounded_saddles as gen
    from badminima.model import load_trap

    root = Path(__file__).resolve().parents[2] / "examples" / "rounded"
    monkeypatch.setattr(gen, "OUT", tmp_path)
    gen.examples()
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(p.name for p in root.glob("*.json"))
    for fresh in tmp_path.glob("*.json"):
        assert load_trap(fresh) == load_trap(root / fresh.name), fresh.name
