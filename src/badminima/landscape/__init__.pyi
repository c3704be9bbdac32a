# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .batched import (
    batched_gradients as batched_gradients,
    batched_hessians as batched_hessians,
    batched_losses as batched_losses,
)
from .derivatives import (
    activation_slope as activation_slope,
    backward as backward,
    gradient as gradient,
    gradient_of_flat as gradient_of_flat,
    hessian as hessian,
    hessian_of_flat as hessian_of_flat,
)
from .evaluation import Evaluation as Evaluation, evaluate as evaluate
from .forward_pass import (
    KINK_SIDES as KINK_SIDES,
    Forward as Forward,
    KinkSide as KinkSide,
    forward as forward,
    unflatten as unflatten,
)
from .losses import loss as loss, loss_of_flat as loss_of_flat
from .regions import (
    PatternSummary as PatternSummary,
    Region as Region,
    pattern_summary as pattern_summary,
    region_of as region_of,
)
from .symmetries import (
    apply_symmetry as apply_symmetry,
    flip_unit as flip_unit,
    has_scale_symmetry as has_scale_symmetry,
    has_sign_symmetry as has_sign_symmetry,
    permute_units as permute_units,
    random_symmetry as random_symmetry,
    rescale_unit as rescale_unit,
)
