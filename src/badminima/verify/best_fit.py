"""A point whose predictions are exactly the best any function could give: a global minimum.

The loss is a mean over data points of ℓ(p(x_i), y_i) summed over outputs, and for mse and cross-entropy
Σ_{i : x_i = x} ℓ(p, y_i) is minimised over the prediction p by the mean of those targets. So for every
parameter θ′, F(θ′) ≥ F_inf = the loss of predicting, at each distinct input, its targets' mean — and a
point whose predictions equal those means exactly attains it: a global, hence local, minimum (non-strict
wherever the Hessian is singular). Nothing here is numerical: the predictions must come out as exact
rationals (σ(0) = 1/2, tanh(0) = 0, rational piecewise-linear values) and equal the means exactly.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from badminima.arithmetic.exact import ExactArithmetic
from badminima.errors import BackendError
from badminima.landscape.forward_pass import forward, predictions, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.outcome import Outcome
from badminima.verify.suboptimality import enclose_loss


def group_means(dataset: Dataset) -> dict[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """Each distinct input's mean target vector.

    Example:
        >>> group_means(Dataset.of([[0], [0], [1]], [[1], [0], [1]]))[(Fraction(0),)]
        (Fraction(1, 2),)
    """
    groups: dict[tuple[Fraction, ...], list[tuple[Fraction, ...]]] = defaultdict(list)
    for x, y in zip(dataset.X, dataset.y, strict=True):
        groups[tuple(x)].append(tuple(y))
    return {
        x: tuple(sum(col, Fraction(0)) / len(ys) for col in zip(*ys, strict=True)) for x, ys in groups.items()
    }


def certify_best_fit(network: Network, dataset: Dataset, point: Point) -> Outcome | None:
    """``local-min`` (code ``best-possible-fit``) when the point's predictions are exactly its inputs'
    mean targets, so no parameter whatever does better; None otherwise.

    Example:
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[-1], [-1], [1], [1]], [[0], [1], [0], [1]])
        >>> certify_best_fit(net, data, Point.unflatten(net, [0, 0, 0, 0])).code
        'best-possible-fit'
    """
    if network.loss not in ("mse", "bce"):
        return None
    exact = ExactArithmetic()
    try:
        prob = prepare(network, dataset, point, arith=exact)
        with exact.context():
            fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks)
            pred = predictions(network, fwd, arith=exact)
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None
    means = group_means(dataset)
    for i, x in enumerate(dataset.X):
        for k, m in enumerate(means[tuple(x)]):
            p = pred[k, i]
            if not isinstance(p, Fraction) or p != m:
                return None
    value = enclose_loss(network, dataset, point)
    return Outcome(
        Verdict.LOCAL_MIN,
        "exact" if value.lower == value.upper else "interval",
        "best-possible-fit",
        "every prediction is exactly the mean of its input's targets, which minimises the loss over all "
        "functions (mse and cross-entropy are minimised pointwise by the mean target): no parameter does "
        "better, so this is a global, hence local, minimum",
        value,
        box_radius=Fraction(0),
        proof_radius=Fraction(0),
        code="best-possible-fit",
    )
