"""Saddles that embed a narrower network's critical point through the last hidden layer of a deeper net.

The cases (`tests/verify/cases/`) come from the project's second red team, which imports nothing from
badminima: a 2-2-1-1 net's critical point (a strict minimum or a saddle, planted with targets in
null(Jᵀ) at 120 digits) lifted by splitting or inserting a unit of the SECOND hidden layer, so the lift is
exactly critical and its 120-digit Hessian has a negative eigenvalue; the point is then written to 12 or
17 digits. The proof's lower point is checked here by the independent 60-digit forward pass.
"""

from __future__ import annotations

import mpmath
import pytest

from badminima.verify import Verdict, certify
from tests.reference import reference_loss
from tests.verify.saved import saved_trap


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("2211tanh-mse-min0-L2split-1_2-d17", "lifted-saddle"),  # a minimum split λ = −1/2
        ("2211tanh-mse-saddle0-L2born0-d12", "embedded-saddle"),  # a saddle with a unit born at zero
        pytest.param(  # a bce minimum split λ = 1/3: negative curvature only −4.3e-10, at 12 digits
            "2211sig-bce-min0-L2split1_3-d12", "lifted-saddle", marks=pytest.mark.slow
        ),
        pytest.param(  # a bce saddle split λ = 1/3
            "2211sig-bce-saddle0-L2split1_3-d17", "embedded-saddle", marks=pytest.mark.slow
        ),
    ],
)
def test_units_of_a_second_hidden_layer_embed_a_narrower_point(name, code):
    trap = saved_trap(name)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == code, cert.reason
    assert cert.witness is not None and cert.loss_lower is not None
    lower = mpmath.mpf(cert.loss_lower.numerator) / cert.loss_lower.denominator
    assert reference_loss(trap.network, trap.dataset, cert.witness) < lower
