"""The paper's ReLU examples: numbers against a hand-written evaluation and the paper's stated sums of
squares, blind spots where the paper says they are, certificates, and the families' symmetries."""

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from badminima.arithmetic import ExactArithmetic
from badminima.constructions import construction
from badminima.landscape.losses import loss
from badminima.verify import certify

# name: (paper's sum of squares at the trap, at the better point) from arXiv:1611.06310 / paper-notes.
PAPER_SSE = {
    "relu-blind-spot": (Fraction(18), Fraction(14)),
    "relu-no-blind-spot": (Fraction(8, 3), Fraction(0)),
    "relu-blind-spot-in-better": (Fraction(2, 3), Fraction(1, 6)),
}


def units(point):
    """(w, b, v, c) of a scalar 1-h-1 point."""
    (W, b), (V, c) = ((lay.W, lay.b) for lay in point.layers)
    return [r[0] for r in W], list(b), list(V[0]), c[0]


def hand_sse(trap, point):
    w, b, v, c = units(point)
    total = Fraction(0)
    for (x,), (y,) in zip(trap.dataset.X, trap.dataset.y, strict=True):
        f = sum(vj * max(wj * x + bj, 0) for wj, bj, vj in zip(w, b, v, strict=True)) + c
        total += (f - y) ** 2
    return total


@pytest.mark.parametrize("name", list(PAPER_SSE))
def test_sums_of_squares_are_the_papers_and_the_verifier_certifies_the_trap(name):
    trap = construction(name).build()
    sse, better_sse = PAPER_SSE[name]
    assert hand_sse(trap, trap.point) == sse
    assert hand_sse(trap, trap.better) == better_sse
    cert = certify(trap, probes=0)
    assert (cert.verdict.value, cert.rigor) == ("bad-local-min", "exact")
    assert cert.loss == str(sse / trap.dataset.n_points)
    assert cert.gap_lower == (sse - better_sse) / trap.dataset.n_points


def seen_by(point, x):
    w, b, _, _ = units(point)
    return [j for j, (wj, bj) in enumerate(zip(w, b, strict=True)) if wj * x + bj > 0]


def test_blind_spots_are_where_the_paper_says():
    ex1, ex2, ex3 = (construction(n).build() for n in PAPER_SSE)
    assert not seen_by(ex1.point, Fraction(1)) and not seen_by(ex1.point, Fraction(-1))
    # Example 2 and 3 traps: every point is seen by a unit or sits on a unit's kink (w x + b = 0).
    for trap in (ex2, ex3):
        w, b, _, _ = units(trap.point)
        for (x,) in trap.dataset.X:
            assert any(wj * x + bj >= 0 for wj, bj in zip(w, b, strict=True)), x
    # ... while their better points leave x = 1 unseen by every unit.
    assert not seen_by(ex2.better, Fraction(1)) and not seen_by(ex3.better, Fraction(1))


@given(
    st.sampled_from(list(PAPER_SSE)),
    st.fractions(min_value=Fraction(1, 10), max_value=10, max_denominator=20),
    st.fractions(min_value=-5, max_value=5, max_denominator=7),
)
def test_scale_and_shift_are_symmetries_of_the_family(name, scale, shift):
    c = construction(name)
    base, moved = c.build(), c.build(scale=scale, shift=shift)
    exact = ExactArithmetic()
    for a, b in ((base.point, moved.point), (base.better, moved.better)):
        assert loss(base.network, base.dataset, a, arith=exact) == loss(
            moved.network, moved.dataset, b, arith=exact
        )
    assert moved.dataset.X[0][0] == base.dataset.X[0][0] + shift


def test_bad_parameters_are_refused_with_the_parameter_named():
    from badminima.constructions import ConstructionError

    with pytest.raises(ConstructionError, match="parameter scale: expected a value > 0"):
        construction("relu-blind-spot").build(scale=0)
    with pytest.raises(ConstructionError, match="no parameter 'width'"):
        construction("relu-blind-spot").build(width=3)


def test_families_stay_symbolic_until_built():
    sym = construction("relu-blind-spot").symbolic({})
    (W, b), (V, _) = sym.point
    assert {s.name for s in W[0, 0].free_symbols | b[0, 0].free_symbols | V[0, 0].free_symbols} == {
        "alpha",
        "t",
    }
    sat = construction("saturated-relu")
    (_, bias), *_ = sat.symbolic(sat.values()).point
    assert {s.name for s in bias[0, 0].free_symbols} == {"m"}
