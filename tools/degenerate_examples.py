"""Write the trap files of the README's "Degenerate critical points" examples, one per exact invariance
the verifier lifts through, from the package's own constructions (nothing typed in by hand):

    python tools/degenerate_examples.py      # writes examples/degenerate/*.json

- duplicated-units: a proved 1-unit tanh minimum (`claims.unit_splitting.definite_case`) split 1/3 : 2/3;
- split-end: the same split at λ = 0 (one copy with output weight 0): a third-order saddle;
- duplicated-units-three: the same minimum split into three copies 1/6 : 1/3 : 1/2 (a minimum on the
  2-dimensional split set);
- born-unit: the same minimum with a second unit of zero incoming and output weights (bias 1/2);
- silent-beside-live: the same minimum beside a silent unit (w = 1, output weight 0) whose bias is a
  zero of its h at the minimum's residuals (80 digits), all numbers to 12 digits: a saddle;
- duplicated-units-2-outputs: a 2-2-2 tanh minimum planted as in the tests
  (`tests.verify.planted_heads.plant(0, residual=0.05, points=10)`, Newton-polished at 80 digits) with
  its unit 1 split 1/3 : 2/3 into a 2-3-2 net: a saddle, through the output-split cross term;
- constant-units: Yun, Sra & Jadbabaie's Theorem 2 trap (`constructions.constant_features`), sigmoid;
- mixed-units: a 1-2-1 tanh minimum with two mirror units on even data (polished from a mirror start),
  beside a third unit constant on the data (w = 0, bias -1, output weight 1, output bias lowered by
  tanh(-1));
- relu-rescaling: a 1-2-1 ReLU net with a sigmoid output and cross-entropy on 8 soft labels, at the
  critical point Newton steps reach from a rational start (polished on the slice that fixes one output
  weight per unit, as the verifier's proof does);
- deep-relu-rescaling: a 2-2-2-1 ReLU net with a sigmoid output and cross-entropy at a critical point
  planted as in the tests (`tests/verify/test_symmetry_slices.plant_deep_relu(5)`: targets σ(z) − ρ with
  ρ orthogonal to the Jacobian's columns, 60 digits), on its 4-dimensional rescaling orbit;
- linear-units: a 2-2-2 net of identity units with a sigmoid output and cross-entropy, on soft labels,
  polished on the slice that fixes W₁ and b₁ (`verify.symmetry_slices.linear_layer_slice`), on its
  6-dimensional GL(2) ⋉ R² orbit;
- deep-linear-flat-saddle: a 3-2-2-2-3 linear net on data with an exact eigen-decomposition of Σ
  (`claims.linear_networks.spectral_dataset`), at the rank-1 Baldi–Hornik point of the top eigenvector
  (`subspace_point`): hidden unit 1 is dead in every layer, a fourth-order saddle;
- deep-linear-optimum: a 3-2-2-3 linear net (bottleneck 2 < 3 outputs) on the same data at the top-2
  point with unbalanced factors (rescalings diag(10, 1/7)): the rank-constrained global minimum;
- null-direction-deep-zero: a 1-2-2-1 tanh net with every weight and hidden bias 0 and the output bias at
  the mean target (the constant fit): exactly critical, Hessian PSD with a 12-dimensional kernel, a
  third-order saddle along it;
- null-direction-born-bce: two tanh units born at zero on the constant fit σ(0) = 1/2 of even targets on
  symmetric inputs (sigmoid output, cross-entropy): the cubic form vanishes on the Hessian's kernel, a
  fourth-order saddle along a curve x + εd + ε²e;
- silent-born-two-outputs: a 1-1-2 tanh net whose unit is born at zero with bias 1/2 (irrational
  tanh(1/2): no exact rational Hessian) beside the constant fit of two outputs whose residuals are
  orthogonal to 1 and x, not to x²: a third-order saddle, decided by the silent unit's analytic gradient;
- kink-dead-unit-bce: a 1-2-1 ReLU net with a sigmoid output and cross-entropy, unit 0 at the 1-unit
  network's minimum (polished on its rescaling slice), unit 1 dead on the data with its pre-activation
  exactly 0 on one point, where v·∂ℓ/∂z > 0: a non-strict minimum at a kink;
- deep-kink-saddle: a 1-1-2-1 ReLU net whose second hidden layer has a unit exactly at its kink on one
  point (one-sided derivative (4/3)·relu(dz) there: stationary, proved over both sides of the kink),
  beside a unit with output weight 0: a second-order saddle;
- sign-cone-minimum: a 1-2-1 ReLU net with a unit dead on the data except exactly at its kink on the last
  point, where its output weight can only push the prediction away from the target: a minimum the
  subspaces' least-squares bound cannot see (it lets that unit's contribution take either sign), with a
  better point of loss 0;
- pushing-kink-rank-one: a 1-1-2 ReLU net whose unit is at its kink on x = 0, where its output weight 2
  pushes output 1 away from its target, beside a second output with weight 0 (the constant 4/3): the
  subspaces' bound lets output 2 use any affine function on the active points, the held piece's exact
  Hessian on the rescaling slice is positive definite — a non-strict minimum;
- kink-dead-constant-model: a 1-1-1-1 ReLU net with a sigmoid output and cross-entropy whose last hidden
  layer is one unit dead on the data with its pre-activation exactly 0 on the last point: the network is
  the constant model there, at its optimum logit(ȳ) (30 digits), and v·∂ℓ/∂z > 0 at the kink: a
  non-strict minimum.
- relu-xor-affine-fit: a 2-2-3-1 ReLU net with a sigmoid output and cross-entropy on XOR (inputs
  {1, 2}², labels y = x1 xor x2 shifted), every unit active on every input, its output weights in the
  left null space of the features' affine map (exact): the logit is 0 everywhere, logistic regression's
  optimum, a non-strict minimum; the better point solves XOR with relu(x1 − x2) + relu(x2 − x1).
- dependent-inputs: the sigmoid deadlock with a third input x3 = x1 + x2 on every data point and a
  quarter of each unit's weight moved onto it: a bad minimum on a 2-dimensional set of equal loss.
- logit-surrogate-bce: a 1-2-1 ReLU net with a sigmoid output and cross-entropy, both units at the origin
  (at their kink on all four points) with output weight −1, every logit 0; the residual 1/2 − y is a
  second difference that both units can only feed with the wrong sign: a bad minimum (the better point
  is the V-shaped logit −3 + 4 relu(1 − x) + 2 relu(x − 1)).
- held-relu-span: a 1-2-1 ReLU net with a sigmoid output and cross-entropy, its two units held exactly
  with kinks 1/3000 apart and active on the same points, the output layer at its optimum (polished on
  the slice that holds the hidden layer) written to 12 digits and moved 0.3 windows (+, −, +): a
  non-strict minimum whose output-layer features span every prediction of the region.
- held-relu-saddle: the same shape under a sigmoid output with squared error, the output layer at a
  saddle of its loss (polished the same way), 12 digits, 0.3 windows off: a saddle of the whole net.
- affine-saddle: a 1-2-1 ReLU net affine on its data under a sigmoid with squared error, at a saddle of
  the loss in the affine map (Newton at 80 digits on L(A, B)), 12 decimals: a saddle of the whole net.
Every point is written to 17 or 30 significant digits (the last two are exact: zeros and the mean; the
last two hand-built ones are exact small rationals).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import mpmath

from badminima.claims.linear_networks import SubspaceCase, cayley, spectral_dataset, subspace_point
from badminima.claims.unit_splitting import definite_case, split_point
from badminima.constructions.constant_features import yun_flat_trap
from badminima.model import Dataset, Network, Point, Trap, load_trap, save_trap
from badminima.model.rational import written_decimal
from badminima.verify.embeddings import lift_group
from badminima.verify.polish import polish

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "degenerate"


def _digits(point: Point, network: Network, digits: int) -> Point:
    def cut(v: Fraction) -> Fraction:
        if v == 0:
            return v
        with mpmath.workdps(digits + 10):
            return Fraction(mpmath.nstr(mpmath.mpf(v.numerator) / v.denominator, digits, strip_zeros=False))

    return Point.unflatten(network, [cut(v) for v in point.flatten()])


def _small_minimum() -> tuple[Network, Dataset, Point]:
    case = definite_case(1)
    small = polish(case.network, case.dataset, case.start, precision=256, steps=30).point
    return case.network, case.dataset, small


def duplicated_units(lam: Fraction, name: str, what: str) -> Trap:
    network, dataset, small = _small_minimum()
    big, point = split_point(network, small, 0, lam)
    return Trap(big, dataset, _digits(point, big, 17), name=name, description=what)


def duplicated_units_three() -> Trap:
    network, dataset, small = _small_minimum()
    big = Network((network.widths[0], 3, 1), network.activation)
    point = lift_group(small, (0, 1, 2), (Fraction(1, 6), Fraction(1, 3), Fraction(1, 2)), 3)
    what = "a proved 1-unit tanh minimum, its unit split into three copies 1/6 : 1/3 : 1/2"
    return Trap(big, dataset, _digits(point, big, 17), name="duplicated-units-three", description=what)


def born_unit() -> Trap:
    network, dataset, small = _small_minimum()
    (hidden, out) = small.layers
    assert hidden.b is not None
    big = Network((network.widths[0], 2, 1), network.activation)
    point = Point.of(
        [
            ([list(hidden.W[0]), [0] * network.widths[0]], [hidden.b[0], Fraction(1, 2)]),
            ([[out.W[0][0], 0]], list(out.b or ())),
        ]
    )
    return Trap(
        big,
        dataset,
        _digits(point, big, 17),
        name="born-unit",
        description="a proved 1-unit tanh minimum with a second unit of zero incoming and output weights",
    )


def silent_beside_live() -> Trap:
    """The 1-unit minimum θ* beside a silent unit (output weight 0) with w = 1 and its bias at a zero of
    h(b) = Σ_i (f(x_i) − y_i) tanh(x_i + b) (the residuals at θ*, mpmath at 80 digits, from the sign
    change between 0.5 and 0.6), every number rounded to 12 digits."""
    network, dataset, small = _small_minimum()
    (hidden, out) = small.layers
    assert hidden.b is not None and out.b is not None
    with mpmath.workdps(80):

        def mp(q: Fraction) -> mpmath.mpf:
            return mpmath.mpf(q.numerator) / q.denominator

        w, b, v, c = (mp(q) for q in small.flatten())
        residuals = [
            v * mpmath.tanh(w * mp(x[0]) + b) + c - mp(y[0])
            for x, y in zip(dataset.X, dataset.y, strict=True)
        ]
        root = mpmath.findroot(
            lambda t: sum(r * mpmath.tanh(mp(x[0]) + t) for r, x in zip(residuals, dataset.X, strict=True)),
            (mpmath.mpf("0.5"), mpmath.mpf("0.6")),
            solver="anderson",
        )
        bias = Fraction(mpmath.nstr(root, 60))
    big = Network((network.widths[0], 2, 1), network.activation)
    point = Point.of([([list(hidden.W[0]), [1]], [hidden.b[0], bias]), ([[out.W[0][0], 0]], list(out.b))])
    return Trap(
        big,
        dataset,
        _digits(point, big, 12),
        name="silent-beside-live",
        description="a proved 1-unit tanh minimum beside a silent unit (output weight 0) on its curve",
    )


def duplicated_units_two_outputs() -> Trap:
    from tests.verify.planted_heads import plant, split_unit

    base = plant(0, network=Network((2, 2, 2), "tanh"), residual=0.05, points=10)
    assert base is not None and base.index == 0
    lift = split_unit(base, 1, Fraction(1, 3))
    return Trap(
        lift.network,
        lift.dataset,
        _digits(lift.point(), lift.network, 17),
        name="duplicated-units-2-outputs",
        description="a planted 2-2-2 tanh minimum (2 outputs), its unit 1 split 1/3 : 2/3 into units 1 and 2",
    )


def mixed_units() -> Trap:
    xs = [Fraction(k, 2) for k in range(-4, 5)]
    half = ["-21/8", "-19/8", "-9/4", "-11/8", "-7/8"]  # even targets, by |2x|
    dataset = Dataset.of([[x] for x in xs], [[Fraction(half[abs(int(2 * x))])] for x in xs])
    small = Network((1, 2, 1), "tanh")
    w, b, v, c = (Fraction(t) for t in ("2.362", "-3.227", "0.848", "-0.792"))  # near a minimum
    start = Point.of([([[w], [-w]], [b, b]), ([[v, v]], [c])])
    point = polish(small, dataset, start, precision=None, steps=60).point
    point = polish(small, dataset, point, precision=256, steps=20).point
    w1, w2, b1, b2, v1, v2, c = point.flatten()
    with mpmath.workdps(60):
        c3 = Fraction(mpmath.nstr(mpmath.mpf(c.numerator) / c.denominator - mpmath.tanh(-1), 40))
    big = Network((1, 3, 1), "tanh")
    lifted = Point.unflatten(big, [w1, w2, Fraction(0), b1, b2, Fraction(-1), v1, v2, Fraction(1), c3])
    return Trap(
        big,
        dataset,
        _digits(lifted, big, 17),
        name="mixed-units",
        description="a 1-2-1 tanh minimum with mirror units on even data, beside a unit constant on the "
        "data (w = 0, bias -1, output weight 1)",
    )


def relu_rescaling() -> Trap:
    network = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
    X = [[Fraction(k, 2)] for k in range(-4, 4)]
    start = Point.of([([[1], [-1]], [Fraction(1, 4), Fraction(1, 4)]), ([[2, -3]], [Fraction(1, 2)])])
    # Soft labels near the start's own outputs (two decimals), so a critical point lies close by.
    logits = [
        Fraction(1, 2) + 2 * max(x + Fraction(1, 4), Fraction(0)) - 3 * max(Fraction(1, 4) - x, Fraction(0))
        for (x,) in X
    ]
    with mpmath.workdps(30):
        y = [
            [Fraction(mpmath.nstr(1 / (1 + mpmath.exp(-mpmath.mpf(z.numerator) / z.denominator)), 2))]
            for z in logits
        ]
    dataset = Dataset.of(X, y)
    free = [i for i in range(network.n_params) if i not in (4, 5)]  # one output weight per unit fixed
    point = polish(network, dataset, start, precision=None, free=free, steps=40).point
    point = polish(network, dataset, point, precision=256, free=free, steps=20).point
    return Trap(
        network,
        dataset,
        _digits(point, network, 30),
        name="relu-rescaling",
        description="a minimum of a 1-2-1 ReLU net with sigmoid output and cross-entropy, inside one "
        "activation region, on its orbit of positive rescalings (αw, αb, v/α)",
    )


def deep_relu_rescaling() -> Trap:
    from tests.verify.test_symmetry_slices import plant_deep_relu

    planted = plant_deep_relu(5)
    assert planted is not None
    network, dataset, theta, _, _ = planted
    return Trap(
        network,
        dataset,
        _digits(Point.unflatten(network, theta), network, 30),
        name="deep-relu-rescaling",
        description="a planted critical point of a 2-2-2-1 ReLU net with sigmoid output and cross-entropy, "
        "inside one activation region, on its orbit of positive rescalings of all four hidden units",
    )


def linear_units() -> Trap:
    network = Network((2, 2, 2), "identity", output="sigmoid", loss="bce")
    F = Fraction
    X = [[F(1), F(0)], [F(0), F(1)], [F(-1), F(1, 2)], [F(1, 2), F(-1)], [F(2), F(1)], [F(-1, 2), F(-3, 2)]]
    y = [[F(1, 4), F(2, 3)], [F(3, 5), F(1, 2)], [F(1, 3), F(3, 4)], [F(1, 2), F(1, 5)], [F(4, 5), F(2, 5)]]
    y.append([F(1, 5), F(1, 3)])
    dataset = Dataset.of(X, y)
    start = Point.of([([[1, F(1, 2)], [F(-1, 3), 2]], [F(1, 2), F(1, 2)]), ([[0, 0], [0, 0]], [0, 0])])
    free = list(range(6, network.n_params))  # W₁ and b₁ fixed: the slice through the GL(2) ⋉ R² orbits
    point = polish(network, dataset, start, precision=None, free=free, steps=40).point
    point = polish(network, dataset, point, precision=256, free=free, steps=20).point
    return Trap(
        network,
        dataset,
        _digits(point, network, 17),
        name="linear-units",
        description="a minimum of a 2-2-2 net of identity units with sigmoid output and cross-entropy, on "
        "its orbit (W1, b1, W2, c) -> (A W1, A b1 + d, W2 A^-1, c - W2 A^-1 d)",
    )


def deep_linear(widths: tuple[int, ...], subset: tuple[int, ...], name: str, what: str) -> Trap:
    F = Fraction
    frame = cayley([F(1), F(1, 2), F(0), F(-1), F(1, 3), F(2), F(1), F(0), F(1), F(-1, 2)], 5)
    eigenvectors = cayley([F(1), F(2), F(-1, 2)], 3)
    dataset = spectral_dataset(
        frame,
        cayley([F(1, 2), F(-1), F(1, 3)], 3),
        eigenvectors,
        [F(3), F(2), F(1)],
        residual=((F(1), F(0), F(1)), (F(0), F(1), F(-1))),
    )
    network = Network(widths, "identity", bias=False)
    unbalanced = ((F(10), F(0)), (F(1), F(1, 7)))
    scales = tuple([unbalanced] * (network.depth - 1)) if len(subset) == 2 else ()
    point = subspace_point(SubspaceCase(network, dataset, eigenvectors, subset, scales))
    return Trap(network, dataset, _digits(point, network, 17), name=name, description=what)


def null_direction_deep_zero() -> Trap:
    F = Fraction
    X, y = [[F(1)], [F(2)], [F(-1)], [F(1, 2)]], [[F(1)], [F(0)], [F(2)], [F(-1, 2)]]
    network = Network((1, 2, 2, 1), "tanh")
    mean = sum((t[0] for t in y), F(0)) / len(y)
    point = Point.unflatten(network, [F(0)] * (network.n_params - 1) + [mean])
    return Trap(
        network,
        Dataset.of(X, y),
        point,
        name="null-direction-deep-zero",
        description="a 1-2-2-1 tanh net with zero weights and hidden biases, output bias at the mean target",
    )


def null_direction_born_bce() -> Trap:
    F = Fraction
    X = [[F(-2)], [F(-1)], [F(1)], [F(2)]]
    y = [[F(1, 4)], [F(3, 4)], [F(3, 4)], [F(1, 4)]]
    network = Network((1, 2, 1), "tanh", output="sigmoid", loss="bce")
    return Trap(
        network,
        Dataset.of(X, y),
        Point.unflatten(network, [F(0)] * network.n_params),
        name="null-direction-born-bce",
        description="two tanh units born at zero on the constant fit sigma(0) = 1/2 of even targets on "
        "symmetric inputs, sigmoid output, cross-entropy",
    )


def silent_born_two_outputs() -> Trap:
    F = Fraction
    X = [[F(-1)], [F(0)], [F(1)], [F(2)]]
    y = [[F(1), F(0)], [F(0), F(1)], [F(0), F(1)], [F(1), F(0)]]
    network = Network((1, 1, 2), "tanh")
    point = Point.of([([[0]], [F(1, 2)]), ([[0], [0]], [F(1, 2), F(1, 2)])])
    return Trap(
        network,
        Dataset.of(X, y),
        point,
        name="silent-born-two-outputs",
        description="a tanh unit born at zero with bias 1/2 beside the constant fit of two outputs whose "
        "residuals are orthogonal to 1 and x but not to x^2",
    )


def kink_dead_unit_bce() -> Trap:
    F = Fraction
    X = [[F(-2)], [F(-1)], [F(1)], [F(2)], [F(3)]]
    y = [[F(1, 10)], [F(7, 20)], [F(1, 5)], [F(4, 5)], [F(1, 2)]]
    dataset = Dataset.of(X, y)
    small = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    start = Point.of([([[F(62, 100)]], [F(0)]), ([[1]], [F(-124, 100)])])
    free = [0, 1, 3]  # the output weight fixed: the slice through the rescaling orbits
    point = polish(small, dataset, start, precision=None, free=free, steps=40).point
    point = polish(small, dataset, point, precision=256, free=free, steps=20).point
    (w, b), c = (point.layers[0].W[0][0], point.layers[0].b[0]), point.layers[1].b[0]  # type: ignore[index]
    network = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
    full = Point.of([([[w], [-1]], [b, -2]), ([[1, F(1, 2)]], [c])])
    return Trap(
        network,
        dataset,
        _digits(full, network, 17),
        name="kink-dead-unit-bce",
        description="a 1-2-1 ReLU net with sigmoid output and cross-entropy: unit 0 at the 1-unit "
        "network's minimum, unit 1 dead on the data with its pre-activation exactly 0 on the first point, "
        "where its output weight times the loss's slope is positive",
    )


def deep_kink_saddle() -> Trap:
    network = Network((1, 1, 2, 1), "relu")
    dataset = Dataset.of([[1], [2], [3]], [[2], [0], [3]])
    point = Point.of([([[1]], [0]), ([[1], [0]], [-2, 1]), ([[2, 0]], [1])])
    what = (
        "a 1-1-2-1 ReLU net with a second-layer unit exactly at its kink on x = 2, first-order stationary "
        "over both sides of it, and a unit with output weight 0 giving a second-order descent"
    )
    return Trap(network, dataset, point, name="deep-kink-saddle", description=what)


def sign_cone_minimum() -> Trap:
    network = Network((1, 2, 1), "relu")
    dataset = Dataset.of([[1], [2], [3]], [[0], [1], [0]])
    point = Point.of([([[1], [0]], [-3, 1]), ([[1, 1]], ["-2/3"])])
    better = Point.of([([[1], [1]], [-1, -2]), ([[1, -2]], [0])])
    what = (
        "a 1-2-1 ReLU net with a unit dead except exactly at its kink on x = 3, whose positive output weight "
        "can only raise f(3) above the fitted 1/3 > y(3) = 0: a minimum through the sign cone of that unit"
    )
    return Trap(network, dataset, point, better=better, name="sign-cone-minimum", description=what)


def pushing_kink_rank_one() -> Trap:
    F = Fraction
    network = Network((1, 1, 2), "relu")
    dataset = Dataset.of([[-1], [0], [1], [2]], [[2, 1], [0, F(4, 3)], [3, 2], [5, 1]])
    point = Point.unflatten(network, [1, 0, 2, 0, 1, F(4, 3)])
    what = (
        "a 1-1-2 ReLU net whose unit sits at its kink on x = 0 and pushes output 1 there, beside a second "
        "output with weight 0: a minimum of the held piece on the rescaling slice (a rank-one constraint)"
    )
    return Trap(network, dataset, point, name="pushing-kink-rank-one", description=what)


def kink_dead_constant_model() -> Trap:
    F = Fraction
    dataset = Dataset.of([[-2], [-1], [0], [1], [2]], [[F(3, 10)], [0], [F(1, 2)], [1], [F(1, 10)]])
    network = Network((1, 1, 1, 1), "relu", output="sigmoid", loss="bce")
    with mpmath.workdps(60):
        c = mpmath.log(mpmath.mpf(19) / 31)  # logit of the mean target 19/50
        optimum = Fraction(mpmath.nstr(c, 30, strip_zeros=False))
    point = Point.of([([[1]], [3]), ([[1]], [-5]), ([[1]], [optimum])])
    what = (
        "a 1-1-1-1 ReLU net with sigmoid output and cross-entropy whose last hidden layer (one unit, "
        "h - 5 on h = x + 3) is dead on the data with its pre-activation exactly 0 on the last point: the "
        "network is the constant model at its optimum logit(19/50), and raising that kink with output "
        "weight 1 only raises the loss there"
    )
    return Trap(network, dataset, point, name="kink-dead-constant-model", description=what)


def relu_xor_affine_fit() -> Trap:
    network = Network((2, 2, 3, 1), "relu", output="sigmoid", loss="bce")
    dataset = Dataset.of([[1, 1], [1, 2], [2, 1], [2, 2]], [[0], [1], [1], [0]])
    # Every unit is active on every input, so h2 = A x + a with A = W2 W1 and a = W2 b1 + b2; V spans
    # the left null space of A = [[3, 3], [2, 4], [1, 3]], and c = -V·a makes the logit 0 on every input.
    W1, b1 = [[1, 1], [0, 2]], [1, 1]
    W2, b2 = [[3, 0], [2, 1], [1, 1]], [0, 1, 1]
    A = [[sum(W2[i][k] * W1[k][j] for k in range(2)) for j in range(2)] for i in range(3)]
    a = [sum(W2[i][k] * b1[k] for k in range(2)) + b2[i] for i in range(3)]
    V = [1, -3, 3]
    assert all(sum(V[i] * A[i][j] for i in range(3)) == 0 for j in range(2))
    c = -sum(v * ai for v, ai in zip(V, a, strict=True))
    point = Point.of([(W1, b1), (W2, b2), ([V], [c])])
    better = Point.of(
        [([[1, -1], [-1, 1]], [0, 0]), ([[1, 0], [0, 1], [0, 0]], [0, 0, 0]), ([[4, 4, 0]], [-2])]
    )
    what = (
        "a 2-2-3-1 ReLU net on XOR, every unit active on every input and the output weights in the left "
        "null space of the features' affine map: logit 0 everywhere, logistic regression's optimum, from "
        "which no nearby parameter does better; relu(x1 - x2) + relu(x2 - x1) does"
    )
    return Trap(network, dataset, point, better=better, name="relu-xor-affine-fit", description=what)


def dependent_inputs() -> Trap:
    deadlock = load_trap(ROOT / "examples" / "sigmoid-deadlock.json")
    network = Network((3, 2, 1), "sigmoid")
    dataset = Dataset.of(
        [[*x, x[0] + x[1]] for x in deadlock.dataset.X], [list(y) for y in deadlock.dataset.y]
    )
    quarter = Fraction(1, 4)  # moved from each of x1, x2 onto x3 = x1 + x2: the same pre-activations
    (first, second), better = deadlock.point.layers, deadlock.better.layers
    point = Point(
        (
            replace(first, W=tuple((w1 - quarter, w2 - quarter, quarter) for w1, w2 in first.W)),
            second,
        )
    )
    lifted_better = Point((replace(better[0], W=tuple((*w, Fraction(0)) for w in better[0].W)), better[1]))
    what = (
        "the sigmoid deadlock (examples/sigmoid-deadlock.json) with a third input x3 = x1 + x2 on every "
        "data point: layer 1 may move weight between x3 and x1, x2 without changing any prediction, so the "
        "minimum lies on a 2-dimensional set of equal loss (here 1/4 of each unit's weight is moved onto x3)"
    )
    return Trap(network, dataset, point, better=lifted_better, name="dependent-inputs", description=what)


def logit_surrogate_bce() -> Trap:
    network = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
    dataset = Dataset.of([[0], [1], [2], [3]], [["3/4"], [0], ["3/4"], ["1/2"]])
    point = Point.of([([[0], [0]], [0, 0]), ([[-1, -1]], [0])])
    better = Point.of([([[-1], [1]], [1, -1]), ([[4, 2]], [-3])])
    what = (
        "a 1-2-1 ReLU net with a sigmoid output and cross-entropy, both units at their kink on every point "
        "with output weight -1 and every logit 0: the residual is a second difference they can only feed "
        "with the wrong sign, a minimum through the least-squares surrogate in the logits"
    )
    return Trap(network, dataset, point, better=better, name="logit-surrogate-bce", description=what)


def _held_output_layer(network: Network, dataset: Dataset, point: Point) -> Point:
    """``point`` with its output layer polished to F_S's critical point near it (the hidden layer held
    exactly), written to 12 digits and moved 0.3 windows (+, −, +)."""
    free = [4, 5, 6]  # the output layer; the hidden layer is held exactly
    point = polish(network, dataset, point, precision=None, free=free, steps=60).point
    point = polish(network, dataset, point, precision=256, free=free, steps=20).point
    flat = list(point.flatten())  # the hidden fractions stay exact; the output numbers get 12 digits
    with mpmath.workdps(40):
        for k, windows in zip(free, (Fraction(3, 10), Fraction(-3, 10), Fraction(3, 10)), strict=True):
            exponent = int(
                mpmath.floor(mpmath.log10(abs(mpmath.mpf(flat[k].numerator) / flat[k].denominator)))
            )
            # a window is 100⌈√7⌉ = 300 halves of the number's last (12th) digit
            moved = flat[k] + 150 * windows * Fraction(10) ** (exponent - 11)
            flat[k] = written_decimal(
                mpmath.nstr(mpmath.mpf(moved.numerator) / moved.denominator, 12, strip_zeros=False)
            )  # trailing zeros are digits
    return Point.unflatten(network, flat)


def held_relu_span() -> Trap:
    network = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
    X = [[Fraction(k, 2)] for k in range(-4, 6)]
    y = [[Fraction(k, 10)] for k in (3, 8, 2, 6, 5, 9, 1, 7, 4, 6)]
    dataset = Dataset.of(X, y)
    hidden = ([[Fraction(4, 3)], [Fraction(4, 3)]], [Fraction(-4, 9), Fraction(-1001, 2250)])
    return Trap(
        network,
        dataset,
        _held_output_layer(network, dataset, Point.of([hidden, ([[1, -1]], [0])])),
        name="held-relu-span",
        description="two ReLU units held exactly (kinks at 1/3 and 1001/3000, active on the same points) "
        "under a sigmoid output with cross-entropy; the output layer's optimum (not rational) written to 12 "
        "digits, 0.3 windows off: a non-strict minimum because the units' features span every prediction "
        "of the activation region",
    )


def held_relu_saddle() -> Trap:
    network = Network((1, 2, 1), "relu", output="sigmoid", loss="mse")
    X = [[Fraction(k, 4)] for k in range(-9, 10, 2)]
    y = [[Fraction(k, 10)] for k in (9, 1, 0, 0, 5, 0, 10, 10, 1, 1)]
    dataset = Dataset.of(X, y)
    hidden = ([[1], [2]], [Fraction(-1, 10), Fraction(-3, 10)])
    start = Point.of([hidden, ([["-5.818", "4.328"]], ["-0.847"])])  # near a saddle of F_S (red team s35)
    return Trap(
        network,
        dataset,
        _held_output_layer(network, dataset, start),
        name="held-relu-saddle",
        description="two ReLU units held exactly under a sigmoid output with squared error; the output "
        "layer's loss has a saddle (Hessian eigenvalues -0.040, 3.6e-5, 0.072) written to 12 digits, 0.3 "
        "windows off: a saddle of the whole net because the units' features span every prediction of "
        "the activation region",
    )


def affine_saddle() -> Trap:
    """A 1-2-1 ReLU net, both units active on every point, at a saddle of the loss in its affine map:
    L(A, B) = mean (σ(A x + B) − y)² solved by Newton at 80 digits on its hand-written gradient."""
    network = Network((1, 2, 1), "relu", output="sigmoid", loss="mse")
    xs = ["0", "0.25", "0.5", "1", "1.5", "2"]
    ys = ["0.95", "0", "0.05", "0.05", "0.05", "0.95"]
    with mpmath.workdps(80):
        x, y = [mpmath.mpf(v) for v in xs], [mpmath.mpf(v) for v in ys]
        a, b = mpmath.mpf("-1.6"), mpmath.mpf("-0.12")  # near the saddle (red team s37)
        for _ in range(60):
            g, h = [mpmath.mpf(0)] * 2, mpmath.matrix(2, 2)
            for t, target in zip(x, y, strict=True):
                s = 1 / (1 + mpmath.exp(-(a * t + b)))
                d1 = 2 * (s - target) * s * (1 - s)
                d2 = 2 * s * (1 - s) * (s * (1 - s) + (s - target) * (1 - 2 * s))
                phi = (t, mpmath.mpf(1))
                g = [g[i] + d1 * phi[i] for i in range(2)]
                for i in range(2):
                    for j in range(2):
                        h[i, j] += d2 * phi[i] * phi[j]
            step = mpmath.lu_solve(h, mpmath.matrix(g))
            a, b = a - step[0], b - step[1]
        v1 = a - 1  # w = (1, 2), hidden biases (1, 1/2), v₂ = 1/2: z = (v₁ + 1)x + v₁ + 1/4 + c
        exact = [1, 2, 1, mpmath.mpf(1) / 2, v1, mpmath.mpf(1) / 2, b - v1 - mpmath.mpf(1) / 4]
        twelve = Decimal("1e-12")  # every number rounded to 12 decimals, trailing zeros written
        flat = [written_decimal(str(Decimal(mpmath.nstr(mpmath.mpf(q), 40)).quantize(twelve))) for q in exact]
    return Trap(
        network,
        Dataset.of([[v] for v in xs], [[v] for v in ys]),
        Point.unflatten(network, flat),
        name="affine-saddle",
        description="two ReLU units active on every point under a sigmoid with squared error, computing a "
        "saddle of the loss in the affine map z = Ax + B (eigenvalues -0.018 and 0.067), every number to "
        "12 decimals: a saddle of the net on a manifold of saddles",
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    traps = [
        duplicated_units(
            Fraction(1, 3), "duplicated-units", "a proved 1-unit tanh minimum, its unit split 1/3 : 2/3"
        ),
        duplicated_units(
            Fraction(0), "split-end", "a proved 1-unit tanh minimum, its unit split 0 : 1 (a silent copy)"
        ),
        duplicated_units_three(),
        born_unit(),
        silent_beside_live(),
        duplicated_units_two_outputs(),
        yun_flat_trap("sigmoid", biases=(-1, -2), output_weights=(1, 1)),
        mixed_units(),
        relu_rescaling(),
        deep_relu_rescaling(),
        linear_units(),
        deep_linear(
            (3, 2, 2, 2, 3),
            (0,),
            "deep-linear-flat-saddle",
            "a deep linear net at the rank-1 point of Σ's top eigenvector, hidden unit 1 dead in every layer",
        ),
        deep_linear(
            (3, 2, 2, 3),
            (0, 1),
            "deep-linear-optimum",
            "a deep linear net with a bottleneck at its rank-2 global minimum, factors unbalanced",
        ),
        null_direction_deep_zero(),
        null_direction_born_bce(),
        silent_born_two_outputs(),
        kink_dead_unit_bce(),
        deep_kink_saddle(),
        sign_cone_minimum(),
        pushing_kink_rank_one(),
        kink_dead_constant_model(),
        relu_xor_affine_fit(),
        dependent_inputs(),
        logit_surrogate_bce(),
        held_relu_span(),
        held_relu_saddle(),
        affine_saddle(),
    ]
    names = [
        "duplicated-units",
        "split-end",
        "duplicated-units-three",
        "born-unit",
        "silent-beside-live",
        "duplicated-units-2-outputs",
        "constant-units",
        "mixed-units",
        "relu-rescaling",
        "deep-relu-rescaling",
        "linear-units",
        "deep-linear-flat-saddle",
        "deep-linear-optimum",
        "null-direction-deep-zero",
        "null-direction-born-bce",
        "silent-born-two-outputs",
        "kink-dead-unit-bce",
        "deep-kink-saddle",
        "sign-cone-minimum",
        "pushing-kink-rank-one",
        "kink-dead-constant-model",
        "relu-xor-affine-fit",
        "dependent-inputs",
        "logit-surrogate-bce",
        "held-relu-span",
        "held-relu-saddle",
        "affine-saddle",
    ]
    for name, trap in zip(names, traps, strict=True):
        save_trap(trap, OUT / f"{name}.json")
        print(OUT / f"{name}.json")


if __name__ == "__main__":
    main()
