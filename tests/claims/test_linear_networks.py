"""The deep-linear-network claims: both checks hold, and their machinery agrees with hand derivations,
exact arithmetic and an independent float computation (numpy SVD), and does find what it should."""

from __future__ import annotations

import itertools
from fractions import Fraction

import flint
import numpy as np
import pytest
import torch
from hypothesis import assume, given, strategies as st

from badminima.arithmetic.exact import ExactArithmetic
from badminima.claims import Agrees, Claim, Found, Skip, Undecided, hunt
from badminima.claims.linear_networks import (
    CLAIMS,
    LinearProblem,
    SubspaceCase,
    cayley,
    examine_linear_minima,
    examine_subspace,
    judge_minimum,
    judge_saddle,
    linear_hypotheses,
    linear_problems,
    moments,
    reduced_rank_optimum,
    reduced_rank_point,
    spectral_dataset,
    subspace_point,
)
from badminima.constructions import construction
from badminima.landscape import gradient, loss
from badminima.model import Dataset, Network, Point, Trap
from badminima.strategies import rationals
from badminima.verify import Verdict
from badminima.verify.parameter_box import ball_bounds
from tests.reference import reference_loss

torch.set_num_threads(1)

MINIMA, SADDLES = CLAIMS
EXACT = ExactArithmetic()


def _exact_loss(network: Network, dataset: Dataset, point: Point) -> Fraction:
    return loss(network, dataset, point, arith=EXACT)


def _product(point: Point) -> flint.fmpq_mat:
    """W_L ⋯ W_1, exactly."""
    out = None
    for layer in point.layers:
        W = flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in row] for row in layer.W])
        out = W if out is None else W * out
    return out


# ---------------------------------------------------------------------------------------------------
# The claims themselves


def test_every_local_minimum_of_a_linear_network_is_global(profile):
    out = MINIMA.check(profile=profile)
    assert out.status == MINIMA.expected == "held", out.reason
    assert out.examples > 0
    assert MINIMA.kind == "numerical" and "not a proof" in out.reason
    assert any("numerical evidence" in line for line in out.evidence)


def test_non_top_subspace_points_are_certified_saddles(profile):
    out = SADDLES.check(profile=profile)
    assert out.status == SADDLES.expected == "held", out.reason
    assert out.examples > 0 and SADDLES.kind == "certified"
    assert all(label.startswith("certified saddle, depth ") for label, _ in out.tally)
    # Every example was proved a saddle, and the kept witnesses carry the exact certificates.
    assert sum(dict(out.tally).values()) == out.examples
    assert out.witnesses
    for w in out.witnesses:
        assert w.certificate is not None and w.certificate.verdict.value == "saddle"
        assert w.certificate.rigor == "exact"
        # The certificate's witness is a concrete point of exactly lower loss, re-checked here.
        assert w.certificate.witness is not None
        assert _exact_loss(w.trap.network, w.trap.dataset, w.certificate.witness) < _exact_loss(
            w.trap.network, w.trap.dataset, w.trap.point
        )


# ---------------------------------------------------------------------------------------------------
# Rational orthogonal matrices


def test_cayley_by_hand():
    # A = [[0, 1], [-1, 0]]: I − A = [[1, −1], [1, 1]], (I + A)⁻¹ = ½[[1, −1], [1, 1]], product by hand.
    assert cayley([Fraction(1)], 2) == ((0, -1), (1, 0))
    assert cayley([], 1) == ((1,),)


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(rationals(), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2)
        )
    )
)
def test_cayley_matrices_are_exactly_orthogonal(drawn):
    n, skew = drawn
    Q = cayley(skew, n)
    for i, j in itertools.product(range(n), repeat=2):
        assert sum((Q[k][i] * Q[k][j] for k in range(n)), Fraction(0)) == (i == j)


def test_cayley_refuses_the_wrong_number_of_entries():
    with pytest.raises(ValueError, match="expected 3 entries"):
        cayley([Fraction(1)], 3)


# ---------------------------------------------------------------------------------------------------
# The spectral datasets and the subspace critical points, against the hand formula


@st.composite
def _spectral(draw: st.DrawFn):
    """The construction's ingredients and the dataset; the test knows σ, scale, residual and mirroring."""
    dy = draw(st.integers(2, 3))
    dx = draw(st.integers(dy, 3))
    K = draw(st.integers(dx, dx + 2))

    def orth(n: int):
        return cayley(draw(st.lists(rationals(), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2)), n)

    frame, rotation, U = orth(K), orth(dx), orth(dy)
    sigma = draw(
        st.lists(
            st.builds(Fraction, st.integers(1, 6), st.integers(1, 3)), min_size=dy, max_size=dy, unique=True
        )
    )
    residual = tuple(tuple(draw(rationals()) for _ in range(dy)) for _ in range(K - dx))
    scale = draw(st.sampled_from((Fraction(1), Fraction(2, 3), Fraction(2))))
    mirrored = draw(st.booleans())
    data = spectral_dataset(frame, rotation, U, sigma, scale=scale, residual=residual, mirrored=mirrored)
    return data, U, sigma, scale, residual, mirrored


@given(_spectral(), st.data())
def test_subspace_points_have_the_hand_formula_loss_and_zero_gradient(drawn, data_):
    data, U, sigma, scale, residual, mirrored = drawn
    dy, dx = data.output_dim, data.input_dim
    # By hand: XᵀX = c·I and Σ = c·M Mᵀ with c = scale² (twice that mirrored), tr S_yy = c·Σσ² + ‖G‖²
    # (twice mirrored), N = K (2K mirrored); λ_i = c·σ_i² with eigenvector U[:, i].
    twice = 2 if mirrored else 1
    c = scale**2 * twice
    lam = [c * s * s for s in sigma]
    trace = sum(lam, Fraction(0)) + twice * sum((g * g for row in residual for g in row), Fraction(0))
    n = data.n_points
    mo = moments(data, centred=mirrored)
    if mirrored:  # the mirrored points make the data centred
        assert (mo.mean_x, mo.mean_y) == (flint.fmpq_mat(dx, 1), flint.fmpq_mat(dy, 1))
    for i, j in itertools.product(range(dy), repeat=2):
        entry = mo.sigma[i, j]
        assert Fraction(int(entry.p), int(entry.q)) == sum(U[i][k] * lam[k] * U[j][k] for k in range(dy))
    # Independently in floats: numpy's eigenvalues of the data's Σ are the c·σ².
    X, Y = np.array(data.X, dtype=float), np.array(data.y, dtype=float)
    S = Y.T @ X @ np.linalg.inv(X.T @ X) @ X.T @ Y
    assert np.allclose(np.sort(np.linalg.eigvalsh(S)), sorted(float(v) for v in lam), rtol=1e-9)

    p = data_.draw(st.integers(1, dy - 1))
    depth = data_.draw(st.integers(2, 3))
    net = Network((dx, *[p] * (depth - 1), dy), "identity", bias=mirrored)
    nonzero = rationals().filter(lambda v: v != 0)
    for subset in itertools.combinations(range(dy), p):
        plain = subspace_point(SubspaceCase(net, data, U, subset))
        # Any invertible rescalings C_l give the same end-to-end map W_L ⋯ W_1 (the C's cancel).
        scales = tuple(
            tuple(
                tuple(
                    data_.draw(nonzero) if i == j else data_.draw(rationals()) if j < i else Fraction(0)
                    for j in range(p)
                )
                for i in range(p)
            )
            for _ in range(depth - 1)
        )
        scaled = subspace_point(SubspaceCase(net, data, U, subset, scales))
        assert _product(scaled) == _product(plain)
        for point in (plain, scaled):
            assert all(v == 0 for v in gradient(net, data, point, arith=EXACT))
            assert _exact_loss(net, data, point) == (trace - sum(lam[i] for i in subset)) / n
    # The top subset attains the reduced-rank optimum L*, whose arb enclosure contains the exact value.
    top = sorted(range(dy), key=lambda i: lam[i], reverse=True)[:p]
    best = (trace - sum(lam[i] for i in top)) / n
    lo, hi = ball_bounds(reduced_rank_optimum(net, data).optimum)
    assert lo <= best <= hi and hi - lo < Fraction(1, 10**30)


def test_a_hand_built_non_top_point_is_a_saddle():
    # X = I, Y = diag(3, 1): Σ = diag(9, 1), U = I. The second eigenvector gives W_1 = e₂ᵀB = (0, 1),
    # W_2 = e₂, loss (tr S_yy − λ_2)/N = (10 − 1)/2; the top one gives (10 − 9)/2.
    net = Network((2, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
    eye = ((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)))
    case = SubspaceCase(net, data, eye, (1,))
    assert subspace_point(case) == Point.of([([[0, 1]], None), ([[0], [1]], None)])
    assert _exact_loss(net, data, subspace_point(case)) == Fraction(9, 2)
    finding = examine_subspace(case)
    assert isinstance(finding, Agrees) and finding.label == "certified saddle, depth 2"
    assert finding.witness is not None and finding.witness.certificate is not None
    assert finding.witness.certificate.gap_lower is not None and finding.witness.certificate.gap_lower == 4
    # The same data with the top subset is not the claim's business.
    assert examine_subspace(SubspaceCase(net, data, eye, (0,))) == Skip(
        "subset is the top one (the global minimum)"
    )


def test_subspace_hypotheses_are_checked_exactly():
    net = Network((2, 1, 2), "identity", bias=False)
    eye = ((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)))
    data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
    # Σ = I: a repeated eigenvalue.
    assert examine_subspace(
        SubspaceCase(net, Dataset.of([[1, 0], [0, 1]], [[1, 0], [0, 1]]), eye, (1,))
    ) == Skip("Σ has a repeated eigenvalue")
    # Vectors that do not diagonalise Σ = diag(9, 1).
    rot = cayley([Fraction(1, 2)], 2)
    assert examine_subspace(SubspaceCase(net, data, rot, (1,))) == Skip("eigenvectors do not diagonalise Σ")
    half = ((Fraction(1, 2), Fraction(0)), (Fraction(0), Fraction(1)))
    assert examine_subspace(SubspaceCase(net, data, half, (1,))) == Skip("eigenvectors not orthonormal")
    # With biases the moments are centred: two points leave S_xx singular.
    assert examine_subspace(SubspaceCase(Network((2, 1, 2), "identity"), data, eye, (1,))).reason.startswith(
        "S_xx singular"
    )


# ---------------------------------------------------------------------------------------------------
# A deliberately wrong variant is refuted: "every subspace point, the top one included, is a saddle"


@st.composite
def _rank_deficient_top_cases(draw: st.DrawFn) -> SubspaceCase:
    """Σ of rank p (σ's beyond p are 0) and I the top set: the top point then attains the unconstrained
    least-squares fit, a certified (global, non-strict) minimum — outside the claim's hypotheses."""
    dy = draw(st.integers(2, 3))
    p = draw(st.integers(1, dy - 1))
    skew = draw(st.lists(rationals(), min_size=dy * (dy - 1) // 2, max_size=dy * (dy - 1) // 2))
    U = cayley(skew, dy)
    sigma = [Fraction(draw(st.integers(1, 4))) for _ in range(p)] + [Fraction(0)] * (dy - p)
    eye = cayley([Fraction(0)] * (dy * (dy - 1) // 2), dy)
    data = spectral_dataset(eye, eye, U, sigma)
    return SubspaceCase(Network((dy, p, dy), "identity", bias=False), data, U, tuple(range(p)))


def _wrong_examine(case: SubspaceCase):
    return judge_saddle(Trap(case.network, case.dataset, subspace_point(case)))


def test_the_wrong_variant_every_subspace_point_is_a_saddle_is_refuted():
    wrong = Claim(
        name="all-subspace-points-are-saddles",
        title="wrong on purpose",
        source="test",
        statement="every subspace critical point, top included, is a saddle",
        hypotheses=(),
        quantifier="all",
        kind="certified",
        expected="counterexample",
        examples={"ci": 5, "dev": 5, "thorough": 5},
        run=lambda c, s, p: hunt(_rank_deficient_top_cases(), _wrong_examine, s).outcome(c),
    )
    out = wrong.check(profile="ci")
    assert out.status == "counterexample"
    cert = out.counterexample.certificate
    assert cert is not None and cert.verdict.value == "local-min" and cert.method == "least-squares"
    # The shrunk counterexample is still what it says: its loss is the unconstrained fit's, which is 0 here.
    trap = out.counterexample.trap
    assert _exact_loss(trap.network, trap.dataset, trap.point) == 0
    # The claim's own examine refuses it: the data break its hypotheses (S_xy not of full rank).
    assert examine_subspace(_case_of(trap)) == Skip("S_xy not of full rank d_y")


def _case_of(trap: Trap) -> SubspaceCase:
    dy = trap.dataset.output_dim
    eye = cayley([Fraction(0)] * (dy * (dy - 1) // 2), dy)
    return SubspaceCase(trap.network, trap.dataset, eye, (dy - 1,))


# ---------------------------------------------------------------------------------------------------
# The reduced-rank optimum, against a hand value and an independent float computation


def test_reduced_rank_optimum_by_hand():
    data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
    # Σ = diag(9, 1): rank 1 keeps 9 of tr S_yy = 10, rank 2 all of it (N = 2).
    one = reduced_rank_optimum(Network((2, 1, 2), "identity", bias=False), data)
    two = reduced_rank_optimum(Network((2, 3, 2, 2), "identity", bias=False), data)
    assert one.optimum.contains(flint.fmpq(1, 2)) and one.rank == 1 and one.gap.contains(4)
    assert two.optimum.contains(0) and two.rank == 2 and two.gap.contains(flint.fmpq(1, 2))
    assert one.optimum.rad() < 1e-30


def _numpy_reduced_rank(net: Network, data: Dataset) -> float:
    """Eckart–Young on the fitted values: ‖Y − Ŷ‖² + Σ_{i>r} s_i(Ŷ)², over N (centred with biases)."""
    X, Y = np.array(data.X, dtype=float), np.array(data.y, dtype=float)
    if net.bias:
        X, Y = X - X.mean(0), Y - Y.mean(0)
    fit = X @ np.linalg.lstsq(X, Y, rcond=None)[0]
    s = np.linalg.svd(fit, compute_uv=False)
    r = min(*net.widths[1:-1], net.widths[-1])
    return float((np.sum((Y - fit) ** 2) + np.sum(s[r:] ** 2)) / len(X))


@given(st.sampled_from(("rational", "float")).flatmap(lambda k: linear_problems(numbers=k)))
def test_reduced_rank_optimum_and_point_agree_with_numpy(problem):
    net, data = problem.network, problem.dataset
    assume(linear_hypotheses(net, data) is None)
    ref = reduced_rank_optimum(net, data)
    star = float(ref.optimum.mid())
    assert star == pytest.approx(_numpy_reduced_rank(net, data), rel=1e-8, abs=1e-10)
    # The rational point built from 50-digit eigenvectors is at L* to far beyond float precision.
    value = _exact_loss(net, data, reduced_rank_point(net, data))
    lo, hi = ball_bounds(ref.optimum)
    assert lo - Fraction(1, 10**30) <= value <= hi + Fraction(1, 10**30)


def test_linear_hypotheses_name_what_fails():
    net = Network((2, 1, 2), "identity", bias=False)
    assert linear_hypotheses(net, Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])) is None
    assert (
        linear_hypotheses(net, Dataset.of([[1, 0], [0, 1]], [[1, 0], [0, 1]]))
        == "Σ has a repeated eigenvalue"
    )
    assert linear_hypotheses(net, Dataset.of([[1, 0], [2, 0]], [[1, 0], [0, 1]])) == "S_xx singular"
    assert (
        linear_hypotheses(net, Dataset.of([[1, 0], [0, 1]], [[1, 1], [1, 1]])) == "S_xy not of full rank d_y"
    )
    assert (
        linear_hypotheses(Network((1, 2, 2), "identity"), Dataset.of([[1], [2]], [[1, 0], [0, 1]]))
        == "d_y > d_x"
    )
    relu = Network((2, 1, 2), "relu", bias=False)
    assert "not a deep linear network" in linear_hypotheses(
        relu, Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
    )


# ---------------------------------------------------------------------------------------------------
# The minima check on hand-built examples, and its judge on points it must (not) call counterexamples


def test_examine_linear_minima_on_a_hand_example():
    net = Network((2, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1], [1, 1]], [[3, 0], [0, 1], [2, 2]])
    assert examine_linear_minima(LinearProblem(net, data), starts=16) == Agrees("every minimum reached L*")
    # Hypotheses fail: skipped, not run.
    bad = Dataset.of([[1, 0], [0, 1]], [[1, 0], [0, 1]])
    assert examine_linear_minima(LinearProblem(net, bad)) == Skip("Σ has a repeated eigenvalue")


def test_judge_minimum_finds_a_certified_bad_minimum():
    # The judging step is the network-agnostic part: fed a published bad local minimum (ReLU, with its
    # better point) it must return a certified Found, never Agrees.
    trap = construction("relu-blind-spot").build()
    finding = judge_minimum(trap)
    assert isinstance(finding, Found)
    assert finding.trap.certificate is not None and finding.trap.certificate.verdict.value == "bad-local-min"


def test_judge_minimum_does_not_call_a_minimum_without_a_better_point_a_counterexample():
    # The exact global minimum of a linear network without bottleneck attains the least-squares bound:
    # certify proves LOCAL_MIN, and with no better point that refutes nothing.
    net = Network((2, 2, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1], [1, 1]], [[3, 0], [0, 1], [2, 2]])
    # S_xx = [[2, 1], [1, 2]], S_xy = [[5, 2], [2, 3]]: B = S_yx S_xx⁻¹ = [[8, −1], [1, 4]]/3 by hand.
    point = Point.of([([["8/3", "-1/3"], ["1/3", "4/3"]], None), ([[1, 0], [0, 1]], None)])
    assert all(v == 0 for v in gradient(net, data, point, arith=EXACT))
    finding = judge_minimum(Trap(net, data, point))
    assert isinstance(finding, Undecided) and "certified local minimum" in finding.label
    # A non-critical rationalised point decides nothing: it may approximate a real minimum.
    moved = Point.unflatten(net, [v + Fraction(1, 10) for v in point.flatten()])
    finding = judge_minimum(Trap(net, data, moved))
    assert isinstance(finding, Undecided) and "not critical" in finding.label


def test_a_degenerate_saddle_that_looks_like_a_minimum_is_certified_a_saddle():
    # Started exactly at 0, a depth-3 linear network stays there: N·loss = tr S_yy − 2 tr(W_3 W_2 W_1 S_xy)
    # + ‖X (W_3 W_2 W_1)ᵀ‖², cubic and sextic in the weights, so gradient and Hessian vanish at 0. The end
    # point has index 0 and loss tr S_yy/N = 18/3, far above L* = (18 − λ_1)/3 ≈ 1.15 (by hand:
    # Σ = [[38, 13], [13, 14]]/3, λ_1 = (52 + √1252)/6). It is a saddle (cubic term): certify proves it
    # along an exact null direction of the zero Hessian, and the exhibited point is checked independently.
    net = Network((2, 1, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1], [1, 1]], [[3, 0], [0, 1], [2, 2]])
    finding = examine_linear_minima(LinearProblem(net, data), initial=[[0.0] * net.n_params])
    assert isinstance(finding, Agrees) and finding.label == "suspicious end point certified saddle"
    cert = finding.witness.certificate
    assert cert.verdict is Verdict.SADDLE and cert.rigor == "exact"
    assert reference_loss(net, data, cert.witness) == cert.witness_loss_upper < 6
