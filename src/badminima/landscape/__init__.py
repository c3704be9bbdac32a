"""The maths of the loss landscape, written once over every number backend."""

from badminima.landscape.batched import batched_gradients, batched_hessians, batched_losses
from badminima.landscape.derivatives import gradient, gradient_of_flat, hessian, hessian_of_flat
from badminima.landscape.evaluation import Evaluation, evaluate
from badminima.landscape.forward import KINK_SIDES, Forward, KinkSide, forward, unflatten
from badminima.landscape.loss import loss, loss_of_flat
from badminima.landscape.regions import PatternSummary, Region, pattern_summary, region_of
from badminima.landscape.symmetries import (
    apply_symmetry,
    flip_unit,
    has_scale_symmetry,
    has_sign_symmetry,
    permute_units,
    random_symmetry,
    rescale_unit,
)

__all__ = [
    "KINK_SIDES",
    "Evaluation",
    "Forward",
    "KinkSide",
    "PatternSummary",
    "Region",
    "apply_symmetry",
    "batched_gradients",
    "batched_hessians",
    "batched_losses",
    "evaluate",
    "flip_unit",
    "forward",
    "gradient",
    "gradient_of_flat",
    "has_scale_symmetry",
    "has_sign_symmetry",
    "hessian",
    "hessian_of_flat",
    "loss",
    "loss_of_flat",
    "pattern_summary",
    "permute_units",
    "random_symmetry",
    "region_of",
    "rescale_unit",
    "unflatten",
]
