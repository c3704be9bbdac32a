"""`CertifyOptions`: thresholds decide which proof is attempted, never what is claimed. Starving the
verifier of every limit may turn a verdict into ``inconclusive`` — or, at a point that is not itself
critical (a verdict is then about the critical point the proof finds next to it), into ``not-critical``
about the point as written — never into anything else. Whether the given point is critical is decided by
the 60-digit reference, independently of the verifier."""

import functools
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from badminima import CertifyOptions, certify, load_trap
from badminima.constructions import construction
from badminima.errors import SettingsError
from badminima.model import Point
from tests.reference import reference_loss

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TRAPS = {
    "relu-blind-spot": load_trap(EXAMPLES / "relu-blind-spot.json"),
    "sigmoid-deadlock": load_trap(EXAMPLES / "sigmoid-deadlock.json"),
    "jellyfish-sigmoid": load_trap(EXAMPLES / "jellyfish-sigmoid.json"),
    "saturated": construction("saturated-sigmoid").build(),
    "sign-cone-minimum": load_trap(EXAMPLES / "degenerate" / "sign-cone-minimum.json"),
}


@functools.cache
def _default(name):
    return certify(TRAPS[name], probes=0)


def _given_point_is_critical(trap) -> bool:
    """Central differences of the independent 60-digit loss (step 1e-25, error ~1e-50) at the point; a
    piecewise-linear net's trap here is a published local minimum (at kinks, where differences are not a
    gradient), so never not-critical."""
    if trap.network.is_piecewise_linear:
        return True
    x = trap.point.flatten()
    h = Fraction(1, 10**25)

    def at(i, d):
        y = list(x)
        y[i] += d
        return reference_loss(trap.network, trap.dataset, Point.unflatten(trap.network, y))

    return all(abs((at(i, h) - at(i, -h)) / (2 * h)) < 1e-30 for i in range(len(x)))


@functools.cache
def _critical(name):
    return _given_point_is_critical(TRAPS[name])


def _check(name, options):
    got = certify(TRAPS[name], options=options)
    allowed = {_default(name).verdict, got.verdict.INCONCLUSIVE}
    if not _critical(name):
        allowed.add(got.verdict.NOT_CRITICAL)
    assert got.verdict in allowed


starved = st.builds(
    CertifyOptions,
    probes=st.just(0),
    precisions=st.sampled_from([(128,), (16,), (64, 128), (512,)]),
    resolved=st.sampled_from([1e-12, 1e-6, 0.5]),
    near_critical=st.sampled_from([1e-12, 1e-3, 0.5]),
    max_ball_hessian=st.integers(0, 200),
    max_exact_gradient=st.integers(0, 300),
    max_side_kinks=st.integers(0, 5),
    max_region_kinks=st.integers(0, 13),
    max_unit_kinks=st.integers(0, 11),
    max_cone_faces=st.integers(0, 5000),
)


STARVED = CertifyOptions(
    probes=0,
    precisions=(16,),
    resolved=0.5,
    near_critical=1e-12,
    max_ball_hessian=0,
    max_exact_gradient=0,
    max_side_kinks=0,
    max_region_kinks=0,
    max_unit_kinks=0,
    max_cone_faces=0,
)


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_starving_every_limit_never_changes_a_verdict(name):
    _check(name, STARVED)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TRAPS))
@settings(max_examples=20, deadline=None)
@given(options=starved)
def test_a_threshold_never_changes_a_verdict_only_whether_one_is_proved(name, options):
    _check(name, options)


def test_the_region_limit_is_the_one_the_least_squares_proof_obeys():
    # relu-blind-spot's point sits on kinks, and its proof is the least-squares bound over the 2^k kink
    # sides: allowed no kink, that proof is not attempted.
    assert _default("relu-blind-spot").code == "least-squares-bound"
    starved = certify(TRAPS["relu-blind-spot"], options=CertifyOptions(probes=0, max_region_kinks=0))
    assert starved.code != "least-squares-bound"


def test_the_face_limit_is_the_one_the_sign_cone_proof_obeys():
    assert _default("sign-cone-minimum").code == "sign-cone-bound"
    starved = certify(TRAPS["sign-cone-minimum"], options=CertifyOptions(probes=0, max_cone_faces=3))
    # Starved of faces the sign cone proves nothing; the dead-unit argument beside the narrower net's best
    # affine fit (the constant 1/3), or the least-squares bound with the pushing kink held inactive (no
    # faces), may still decide the point.
    assert starved.code != "sign-cone-bound"
    assert starved.code in ("no-proof", "kink-dead-unit-minimum", "least-squares-bound"), starved.code


def test_keyword_settings_replace_the_options_fields():
    trap = TRAPS["relu-blind-spot"]
    assert certify(trap, options=CertifyOptions(probes=5), probes=0).diagnostics.probes == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("resolved", 0),
        ("near_critical", 1),
        ("precisions", ()),
        ("precisions", (8,)),
        ("max_unit_kinks", -1),
        ("literal", 1),
        ("probes", True),
    ],
)
def test_impossible_settings_are_refused(field, value):
    with pytest.raises(SettingsError):
        CertifyOptions(**{field: value})
