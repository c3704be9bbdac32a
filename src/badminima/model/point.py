"""`Point`: one value of every parameter of a network, layer by layer, exact.

The flat order, used by gradients and Hessians everywhere: layer by layer, ``W`` row-major, then ``b``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from badminima.errors import InvalidModelError
from badminima.model.dataset import Matrix, rational_matrix
from badminima.model.network import Network
from badminima.model.rational import parse_rational


@dataclass(frozen=True, slots=True)
class Layer:
    """``W`` (out × in) and ``b`` (out), or ``b = None`` for a layer without bias."""

    W: Matrix
    b: tuple[Fraction, ...] | None = None

    def __post_init__(self) -> None:
        if (
            not isinstance(self.W, tuple)
            or not self.W
            or not all(isinstance(r, tuple) and len(r) == len(self.W[0]) for r in self.W)
            or not self.W[0]
        ):
            raise InvalidModelError("W: expected a non-empty rectangular tuple of row tuples")
        values = [v for r in self.W for v in r] + list(self.b or ())
        if self.b is not None and (not isinstance(self.b, tuple) or len(self.b) != len(self.W)):
            raise InvalidModelError(f"b: expected {len(self.W)} entries (one per row of W)")
        if not all(isinstance(v, Fraction) for v in values):
            raise InvalidModelError("W, b: expected exact Fractions (use Layer.of to convert)")

    @classmethod
    def of(cls, W: Iterable[Iterable[object]], b: Iterable[object] | None = None) -> Layer:
        """Build a layer from numbers or exact strings."""
        bias = None
        if b is not None:
            try:
                bias = tuple(parse_rational(v) for v in b)
            except ValueError as exc:
                raise InvalidModelError(f"b: {exc}") from None
        return cls(rational_matrix(W, "W"), bias)


@dataclass(frozen=True, slots=True)
class Point:
    """The parameters of every layer, as exact rationals.

    Example:
        >>> net = Network((1, 1), "identity")
        >>> Point.unflatten(net, [2, -1]).layers[0].b
        (Fraction(-1, 1),)
    """

    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.layers, tuple) or not all(isinstance(x, Layer) for x in self.layers):
            raise InvalidModelError("layers: expected a tuple of Layer")

    @classmethod
    def of(cls, layers: Iterable[tuple[object, object] | Layer]) -> Point:
        """Build a point from ``(W, b)`` pairs (``b`` may be None) of numbers or exact strings."""
        out = []
        for layer in layers:
            out.append(layer if isinstance(layer, Layer) else Layer.of(*layer))  # type: ignore[arg-type]
        return cls(tuple(out))

    def check_fits(self, network: Network) -> None:
        """Raise `InvalidModelError` unless the point has exactly the network's layer shapes."""
        if len(self.layers) != network.depth:
            raise InvalidModelError(
                f"point: expected {network.depth} layers for widths {list(network.widths)}, "
                f"got {len(self.layers)}"
            )
        for i, (layer, (out, inp)) in enumerate(zip(self.layers, network.layer_shapes, strict=True)):
            if (len(layer.W), len(layer.W[0])) != (out, inp):
                raise InvalidModelError(
                    f"point layer {i}: expected W of shape {out}x{inp}, got {len(layer.W)}x{len(layer.W[0])}"
                )
            if network.bias and layer.b is None:
                raise InvalidModelError(f"point layer {i}: expected b (the network has biases)")
            if not network.bias and layer.b is not None:
                raise InvalidModelError(f"point layer {i}: b given but the network has no biases")

    def flatten(self) -> tuple[Fraction, ...]:
        """All parameters in the package's flat order."""
        flat: list[Fraction] = []
        for layer in self.layers:
            for row in layer.W:
                flat.extend(row)
            if layer.b is not None:
                flat.extend(layer.b)
        return tuple(flat)

    def distance(self, other: Point) -> Fraction:
        """max_k |θ_k − θ'_k|: how far apart two points of one network are (∞-norm, exact).

        Example:
            >>> Point.of([([[1, 2]], [3])]).distance(Point.of([([[1, "5/2"]], [0])]))
            Fraction(3, 1)
        """
        return max(
            (abs(a - b) for a, b in zip(self.flatten(), other.flatten(), strict=True)), default=Fraction(0)
        )

    @classmethod
    def unflatten(cls, network: Network, values: Sequence[object]) -> Point:
        """Inverse of `flatten` for ``network``'s shapes; values may be numbers or exact strings."""
        if len(values) != network.n_params:
            raise InvalidModelError(
                f"point: expected {network.n_params} values for {network.describe()}, got {len(values)}"
            )
        it = iter(values)
        layers = []
        for out, inp in network.layer_shapes:
            W = [[next(it) for _ in range(inp)] for _ in range(out)]
            b = [next(it) for _ in range(out)] if network.bias else None
            layers.append(Layer.of(W, b))
        return cls(tuple(layers))
