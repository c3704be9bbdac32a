"""How far a classifier's outputs keep from the decision threshold 1/2, proved in ball arithmetic.

An accuracy gap between a trap and a better point means little if some outputs sit a hair from 1/2
(a 6/10 trap once seen had two outputs 1.8e-4 from it): the smallest |f_k(x_i) − 1/2| over every
point and output, the *margin*, says how far the weights may move before a single classification
flips. The search's accuracy objective counts a find only when the margin is at least δ at both the
trap and the better point, so that every output counted right or wrong is at least δ from 1/2.
"""

from __future__ import annotations

from fractions import Fraction

from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point

DEFAULT_MARGIN = Fraction(1, 20)


def output_margin(network: Network, dataset: Dataset, point: Point, *, precision: int = 128) -> Fraction:
    """A proved lower bound on min over points i and outputs k of |f_k(x_i) − 1/2| at ``point``
    (the forward pass in python-flint balls; 0 when a ball contains 1/2).

    Example:
        >>> from badminima.constructions import construction
        >>> trap = construction("sigmoid-deadlock").build()
        >>> float(output_margin(trap.network, trap.dataset, trap.better)) > 0.4
        True
    """
    import flint

    from badminima.arithmetic.registry import backend
    from badminima.landscape.forward_pass import forward, predictions, unflatten
    from badminima.landscape.problem import prepare

    arith = backend("ball", precision=precision)
    prob = prepare(network, dataset, point, arith=arith)
    with arith.context():
        fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=arith, masks=prob.masks)
        out = predictions(network, fwd, arith=arith)
        lowest: Fraction | None = None
        for i in range(dataset.n_points):
            for k in range(dataset.output_dim):
                d = abs(out[k, i] - flint.arb(1) / 2)
                bound = max(Fraction(0), arb_to_fraction(d.mid()) - arb_to_fraction(d.rad()))
                lowest = bound if lowest is None else min(lowest, bound)
    return lowest if lowest is not None else Fraction(0)


def has_margin(network: Network, dataset: Dataset, points: tuple[Point, ...], delta: Fraction) -> bool:
    """Whether every output at every point of ``points`` is proved at least ``delta`` from 1/2."""
    return all(output_margin(network, dataset, p) >= delta for p in points)
