"""`Network`: the architecture of a fully connected feed-forward network, with no weights.

Conventions (fixed for the whole package):
layer l computes ``z = W a + b`` with ``W`` of shape (out, in), as in ``torch.nn.Linear``; hidden layers
apply ``activation``, the last layer applies ``output``;
``mse = (1/N) Σ_i Σ_k (f_k(x_i) − y_ik)²`` and ``bce = (1/N) Σ_i Σ_k −[y log f + (1 − y) log(1 − f)]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from badminima.errors import InvalidModelError

ACTIVATIONS = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")
OUTPUTS = ("identity", "sigmoid")
LOSSES = ("mse", "bce")
PIECEWISE_LINEAR = ("identity", "relu", "leaky_relu")
DEFAULT_LEAKY_SLOPE = Fraction(1, 100)


@dataclass(frozen=True, slots=True)
class Network:
    """Widths ``(d0, d1, …, dL)``, the hidden activation, the output activation, the loss, and
    whether layers have biases. ``(d0, dL)`` alone is a single layer (no hidden units).

    Example:
        >>> Network((2, 2, 1), "sigmoid", output="sigmoid", loss="bce").n_params
        9
    """

    widths: tuple[int, ...]
    activation: str
    output: str = "identity"
    loss: str = "mse"
    bias: bool = True
    leaky_slope: Fraction | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.widths, tuple) or len(self.widths) < 2:
            raise InvalidModelError(
                f"widths: expected a tuple of at least two layer sizes (d0, ..., dL), got {self.widths!r}"
            )
        for w in self.widths:
            if isinstance(w, bool) or not isinstance(w, int) or w < 1:
                raise InvalidModelError(f"widths: expected positive integers, got {w!r} in {self.widths!r}")
        if self.activation not in ACTIVATIONS:
            raise InvalidModelError(
                f"activation: expected one of {', '.join(ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.output not in OUTPUTS:
            raise InvalidModelError(f"output: expected one of {', '.join(OUTPUTS)}, got {self.output!r}")
        if self.loss not in LOSSES:
            raise InvalidModelError(f"loss: expected one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.loss == "bce" and self.output != "sigmoid":
            raise InvalidModelError(
                f"loss: 'bce' needs output 'sigmoid' (probabilities), got output {self.output!r}"
            )
        if not isinstance(self.bias, bool):
            raise InvalidModelError(f"bias: expected true or false, got {self.bias!r}")
        if self.activation == "leaky_relu":
            if self.leaky_slope is None:
                object.__setattr__(self, "leaky_slope", DEFAULT_LEAKY_SLOPE)
            elif not isinstance(self.leaky_slope, Fraction) or not 0 < self.leaky_slope < 1:
                raise InvalidModelError(
                    f"leaky_slope: expected an exact rational in (0, 1), got {self.leaky_slope!r}"
                )
        elif self.leaky_slope is not None:
            raise InvalidModelError(
                f"leaky_slope: only meaningful with activation 'leaky_relu', got it with {self.activation!r}"
            )

    @property
    def depth(self) -> int:
        """Number of weight layers L (hidden layers + 1)."""
        return len(self.widths) - 1

    @property
    def layer_shapes(self) -> tuple[tuple[int, int], ...]:
        """Shape ``(out, in)`` of each layer's ``W``."""
        return tuple((self.widths[i + 1], self.widths[i]) for i in range(self.depth))

    @property
    def layer_offsets(self) -> tuple[int, ...]:
        """Flat index where each layer's parameters start (its ``W`` row by row, then its ``b``).

        Example:
            >>> Network((2, 3, 1), "relu").layer_offsets
            (0, 9)
        """
        starts, at = [], 0
        for o, i in self.layer_shapes:
            starts.append(at)
            at += o * i + (o if self.bias else 0)
        return tuple(starts)

    @property
    def n_params(self) -> int:
        """Number of scalar parameters (weights, plus biases when ``bias``)."""
        return sum(o * i + (o if self.bias else 0) for o, i in self.layer_shapes)

    @property
    def is_piecewise_linear(self) -> bool:
        """True when every hidden unit is identity/ReLU/leaky ReLU: the network has kinks, no curvature
        inside an activation region (the output activation may still be a sigmoid)."""
        return self.activation in PIECEWISE_LINEAR

    @property
    def has_rational_loss(self) -> bool:
        """True when the loss at rational parameters is rational (piecewise-linear hidden units,
        identity output, mse); otherwise exact values involve exp/log/tanh."""
        return self.is_piecewise_linear and self.output == "identity" and self.loss == "mse"

    @property
    def negative_slope(self) -> Fraction | None:
        """Slope of the hidden activation for z < 0 on piecewise-linear nets (identity: 1), else None."""
        return {"identity": Fraction(1), "relu": Fraction(0), "leaky_relu": self.leaky_slope}.get(
            self.activation
        )

    def describe(self) -> str:
        """One line, e.g. ``2-2-1 sigmoid→sigmoid, bce, bias``."""
        act = self.activation + (f"({self.leaky_slope})" if self.activation == "leaky_relu" else "")
        hidden = act if self.depth > 1 else "no hidden layer"
        return (
            f"{'-'.join(map(str, self.widths))} {hidden}→{self.output}, {self.loss}, "
            f"{'bias' if self.bias else 'no bias'}"
        )
