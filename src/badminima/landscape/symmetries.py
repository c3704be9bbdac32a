"""The exact symmetries of a fully connected network: maps of the parameters that leave the network
function, hence the loss on every dataset, unchanged.

Hidden layer ``l`` (1-based, ``1 ≤ l ≤ L − 1``, the layer with ``widths[l]`` units) has incoming weights
``W_l`` (rows), biases ``b_l`` and outgoing weights ``W_{l+1}`` (columns). Its symmetries act unit by unit:

* permutations of the units (every activation);
* sign flips ``(w, b, c) → (−w, −b, −c)`` of incoming weights, bias and outgoing column ``c``, since
  ``c·φ(z) = (−c)·φ(−z)`` for odd φ (tanh, identity); for the sigmoid ``σ(−z) = 1 − σ(z)`` gives
  ``c·σ(z) = c − c·σ(−z)``, so the flip also adds ``c`` to the next layer's bias (needs biases);
* positive rescalings ``(w, b, c) → (αw, αb, c/α)``, α > 0, for positively homogeneous φ (relu, leaky
  relu, identity): ``φ(αz) = αφ(z)``.

The output layer has none (its activation is the output activation). These generate the discrete group
(times positive scalings) that the package quotients by; identity hidden units have the larger continuous
symmetry ``(W_l, W_{l+1}) → (A W_l, W_{l+1} A⁻¹)``, ``A ∈ GL(d_l)``, which is *not* modelled here.

Every function is pure and takes flat parameter vectors in the package's order (layer by layer, ``W``
row-major, then ``b``): a float64 array of shape ``(P,)`` or ``(K, P)`` (the same map applied to every row)
comes back as a new float64 array of that shape; any other sequence (of Fractions, say) is computed with
Python numbers and comes back as a tuple, so Fractions stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, overload

import numpy as np

from badminima.errors import InvalidModelError
from badminima.model.network import Network

SCALE_SYMMETRIC = ("relu", "leaky_relu", "identity")
RANDOM_SCALE_EXPONENTS = (-2, -1, 0, 1, 2)


def has_sign_symmetry(network: Network) -> bool:
    """True when flipping a hidden unit is a symmetry: tanh or identity units, or sigmoid units with
    biases (the flip moves the outgoing weight into the next layer's bias)."""
    return network.activation in ("tanh", "identity") or (network.activation == "sigmoid" and network.bias)


def has_scale_symmetry(network: Network) -> bool:
    """True when positive rescaling of a hidden unit is a symmetry (relu, leaky relu, identity:
    positively homogeneous activations)."""
    return network.activation in SCALE_SYMMETRIC


def hidden_layers(network: Network) -> range:
    """The hidden layer indices ``1, …, L − 1`` that the functions here accept."""
    return range(1, network.depth)


@overload
def apply_symmetry(
    network: Network,
    theta: np.ndarray,
    layer: int,
    *,
    perm: Any = None,
    signs: Any = None,
    scales: Any = None,
) -> np.ndarray: ...


@overload
def apply_symmetry(
    network: Network,
    theta: Sequence[Any],
    layer: int,
    *,
    perm: Any = None,
    signs: Any = None,
    scales: Any = None,
) -> tuple[Any, ...]: ...


def apply_symmetry(
    network: Network,
    theta: np.ndarray | Sequence[Any],
    layer: int,
    *,
    perm: Any = None,
    signs: Any = None,
    scales: Any = None,
) -> np.ndarray | tuple[Any, ...]:
    """The general symmetry of hidden layer ``layer``: unit ``i`` of the result is old unit ``perm[i]``,
    times the sign ``signs[i]`` and the scale ``scales[i]``.

    Incoming ``(w, b) → s·α·(w, b)``, outgoing column ``c → (s/α)·c``, and for sigmoid units with
    ``s = −1`` the next bias gains ``c``. ``perm``, ``signs`` (±1) and ``scales`` (> 0) have shape
    ``(d,)`` or, for a ``(K, P)`` array, ``(K, d)`` (one element per row); None means identity.

    Raises:
        InvalidModelError: bad shapes, a layer that is not hidden, a ``perm`` that is not a permutation,
            signs other than ±1 or scales not > 0, or flips/rescalings the activation does not allow.

    Example:
        >>> net = Network((1, 2, 1), "tanh", bias=False)
        >>> apply_symmetry(net, [1, 2, 3, 4], 1, perm=[1, 0], signs=[-1, 1])
        (-2, 1, -4, 3)
    """
    arr, exact = _coerce(network, theta)
    d = _check_layer(network, layer)
    flat = arr.reshape(-1, network.n_params)
    k = flat.shape[0]
    perm_ = None if perm is None else _per_row(perm, k, d, "perm", np.intp)
    signs_ = None if signs is None else _per_row(signs, k, d, "signs", arr.dtype)
    scales_ = None if scales is None else _per_row(scales, k, d, "scales", arr.dtype)
    if perm_ is not None and not np.array_equal(
        np.sort(perm_, axis=1), np.broadcast_to(np.arange(d), (k, d))
    ):
        raise InvalidModelError(f"perm: expected a permutation of 0..{d - 1} per row, got {perm!r}")
    if signs_ is not None:
        if not np.all((signs_ == 1) | (signs_ == -1)):
            raise InvalidModelError(f"signs: expected entries +1 or -1, got {signs!r}")
        if not has_sign_symmetry(network) and np.any(signs_ == -1):
            raise InvalidModelError(_no_flip_reason(network))
    if scales_ is not None:
        if not np.all(scales_ > 0):
            raise InvalidModelError(f"scales: expected positive numbers, got {scales!r}")
        if not has_scale_symmetry(network) and np.any(scales_ != 1):
            raise InvalidModelError(
                f"rescale: {network.activation} units are not positively homogeneous, so rescaling a unit "
                f"changes the network function (only relu, leaky_relu and identity allow it)"
            )
    layers = act_on_layers(network, _split(network, flat), layer, perm=perm_, signs=signs_, scales=scales_)
    return _finish(_join(layers).reshape(arr.shape), exact)


def act_on_layers(
    network: Network,
    layers: Sequence[tuple[np.ndarray, np.ndarray | None]],
    layer: int,
    *,
    perm: np.ndarray | None = None,
    signs: np.ndarray | None = None,
    scales: np.ndarray | None = None,
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """The action of `apply_symmetry` on layers split by `split_layers`, with ``(K, d)`` arrays and no
    checks: the kernel for vectorised callers (canonical forms) that validated once and want to
    transform one layer without a pass over the whole parameter array."""
    out = list(layers)
    w_in, b_in = out[layer - 1]
    w_out, b_out = out[layer]
    if perm is not None:
        w_in = np.take_along_axis(w_in, perm[:, :, None], axis=1)
        b_in = None if b_in is None else np.take_along_axis(b_in, perm, axis=1)
        w_out = np.take_along_axis(w_out, perm[:, None, :], axis=2)
    if signs is not None:
        if network.activation == "sigmoid" and np.any(signs == -1):
            # σ(−z) = 1 − σ(z): the flipped unit's old outgoing column moves into the next bias.
            assert b_out is not None
            b_out = b_out + np.where(signs[:, None, :] == -1, w_out, 0).sum(axis=2)
        w_in, b_in, w_out = _scale(w_in, b_in, w_out, signs, "*")
    if scales is not None:
        # Divide the outgoing weights (never multiply by 1/α): Fraction / int stays exact.
        w_in, b_in, w_out = _scale(w_in, b_in, w_out, scales, "/")
    out[layer - 1] = (w_in, b_in)
    out[layer] = (w_out, b_out)
    return out


@overload
def permute_units(network: Network, theta: np.ndarray, layer: int, perm: Sequence[int]) -> np.ndarray: ...


@overload
def permute_units(
    network: Network, theta: Sequence[Any], layer: int, perm: Sequence[int]
) -> tuple[Any, ...]: ...


def permute_units(
    network: Network, theta: np.ndarray | Sequence[Any], layer: int, perm: Sequence[int]
) -> np.ndarray | tuple[Any, ...]:
    """The parameters with the units of hidden layer ``layer`` (1-based) reordered: unit ``i`` of the
    result is old unit ``perm[i]`` (rows of ``W_l`` and entries of ``b_l``, columns of ``W_{l+1}``).

    Example:
        >>> net = Network((1, 2, 1), "relu", bias=False)
        >>> permute_units(net, [1, 2, 3, 4], 1, [1, 0])
        (2, 1, 4, 3)
    """
    return apply_symmetry(network, theta, layer, perm=perm)


@overload
def flip_unit(network: Network, theta: np.ndarray, layer: int, unit: int) -> np.ndarray: ...


@overload
def flip_unit(network: Network, theta: Sequence[Any], layer: int, unit: int) -> tuple[Any, ...]: ...


def flip_unit(
    network: Network, theta: np.ndarray | Sequence[Any], layer: int, unit: int
) -> np.ndarray | tuple[Any, ...]:
    """The parameters with unit ``unit`` (0-based) of hidden layer ``layer`` (1-based) flipped: incoming
    weights, bias and outgoing weights negated (tanh, identity: odd); for sigmoid also the old outgoing
    weights added to the next layer's bias (``σ(−z) = 1 − σ(z)``).

    Raises:
        InvalidModelError: relu/leaky relu units (no such symmetry), or sigmoid units without biases.

    Example:
        >>> net = Network((1, 1, 1), "sigmoid")
        >>> flip_unit(net, [2, 1, 3, 5], 1, 0)
        (-2, -1, -3, 8)
    """
    d = _check_layer(network, layer)
    signs = [1] * d
    signs[_check_unit(unit, d)] = -1
    if not has_sign_symmetry(network):
        raise InvalidModelError(_no_flip_reason(network))
    return apply_symmetry(network, theta, layer, signs=signs)


@overload
def rescale_unit(network: Network, theta: np.ndarray, layer: int, unit: int, alpha: Any) -> np.ndarray: ...


@overload
def rescale_unit(
    network: Network, theta: Sequence[Any], layer: int, unit: int, alpha: Any
) -> tuple[Any, ...]: ...


def rescale_unit(
    network: Network, theta: np.ndarray | Sequence[Any], layer: int, unit: int, alpha: Any
) -> np.ndarray | tuple[Any, ...]:
    """The parameters with unit ``unit`` (0-based) of hidden layer ``layer`` (1-based) rescaled: incoming
    weights and bias times ``alpha > 0``, outgoing weights divided by it (``φ(αz) = αφ(z)`` for relu,
    leaky relu and identity). Pass a Fraction ``alpha`` with Fraction parameters to stay exact.

    Raises:
        InvalidModelError: ``alpha ≤ 0``, or tanh/sigmoid units (not positively homogeneous).

    Example:
        >>> from fractions import Fraction
        >>> net = Network((1, 1, 1), "relu", bias=False)
        >>> rescale_unit(net, [Fraction(1), Fraction(3)], 1, 0, Fraction(3))
        (Fraction(3, 1), Fraction(1, 1))
    """
    d = _check_layer(network, layer)
    scales: list[Any] = [1] * d
    scales[_check_unit(unit, d)] = alpha
    if not alpha > 0:
        raise InvalidModelError(f"alpha: expected a positive scale, got {alpha!r}")
    return apply_symmetry(network, theta, layer, scales=scales)


@overload
def random_symmetry(network: Network, theta: np.ndarray, *, rng: np.random.Generator) -> np.ndarray: ...


@overload
def random_symmetry(
    network: Network, theta: Sequence[Any], *, rng: np.random.Generator
) -> tuple[Any, ...]: ...


def random_symmetry(
    network: Network, theta: np.ndarray | Sequence[Any], *, rng: np.random.Generator
) -> np.ndarray | tuple[Any, ...]:
    """The image of ``theta`` under one random group element: in every hidden layer a uniform permutation,
    then, where allowed, each unit flipped with probability 1/2 and rescaled by ``2**k``,
    ``k ∈ {−2, …, 2}`` (a power of two: rescaled floats are exact, Fractions stay Fractions).
    A ``(K, P)`` array gets the same element in every row."""
    arr, exact = _coerce(network, theta)
    out = arr
    for layer in hidden_layers(network):
        d = network.widths[layer]
        signs = scales = None
        if has_sign_symmetry(network):
            signs = [int(s) for s in rng.choice((-1, 1), size=d)]
        if has_scale_symmetry(network):
            scales = [Fraction(2) ** int(k) for k in rng.choice(RANDOM_SCALE_EXPONENTS, size=d)]
        perm = [int(p) for p in rng.permutation(d)]
        out = apply_symmetry(network, out, layer, perm=perm, signs=signs, scales=scales)
        out = out if isinstance(out, np.ndarray) else np.array(out, dtype=object)
    return _finish(out.copy(), exact)


def split_layers(network: Network, thetas: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Copies of each layer's ``(W, b)`` from a ``(K, P)`` array: ``W`` of shape ``(K, out, in)``, ``b``
    of shape ``(K, out)`` or None without biases."""
    return _split(network, thetas)


def join_layers(layers: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
    """Inverse of `split_layers`: the ``(K, P)`` array in the package's flat order."""
    return _join(layers)


def _coerce(network: Network, theta: np.ndarray | Sequence[Any]) -> tuple[np.ndarray, bool]:
    # Float arrays stay float64; anything else becomes an object array of the caller's own numbers so
    # Fractions go through Python's exact arithmetic (and come back as tuples).
    if isinstance(theta, np.ndarray) and theta.dtype != object:
        arr, exact = np.asarray(theta, dtype=np.float64), False
    else:
        arr, exact = np.array(theta, dtype=object), True
    if arr.ndim not in (1, 2) or arr.shape[-1] != network.n_params:
        raise InvalidModelError(
            f"theta: expected shape ({network.n_params},) or (K, {network.n_params}) for "
            f"{network.describe()}, got {arr.shape}"
        )
    return arr, exact


def _finish(arr: np.ndarray, exact: bool) -> Any:
    if not exact:
        return arr
    if arr.ndim == 1:
        return tuple(arr.tolist())
    return tuple(tuple(row) for row in arr.tolist())


def _check_layer(network: Network, layer: int) -> int:
    if (
        isinstance(layer, bool)
        or not isinstance(layer, int | np.integer)
        or layer not in hidden_layers(network)
    ):
        if network.depth == 1:
            raise InvalidModelError(
                f"layer: {network.describe()} has no hidden layers, hence no symmetries; got layer {layer!r}"
            )
        raise InvalidModelError(
            f"layer: expected a hidden layer index 1..{network.depth - 1} for {network.describe()}, "
            f"got {layer!r}"
        )
    return network.widths[layer]


def _check_unit(unit: int, d: int) -> int:
    if isinstance(unit, bool) or not isinstance(unit, int | np.integer) or not 0 <= unit < d:
        raise InvalidModelError(f"unit: expected a unit index 0..{d - 1}, got {unit!r}")
    return int(unit)


def _no_flip_reason(network: Network) -> str:
    if network.activation == "sigmoid":
        return (
            "flip: a sigmoid unit flips only by moving its outgoing weights into the next layer's bias, "
            "and this network has no biases"
        )
    return (
        f"flip: {network.activation} is not odd (nor σ(−z) = 1 − σ(z)), so no sign flip of a unit leaves "
        f"the network function unchanged"
    )


def _per_row(values: Any, k: int, d: int, name: str, dtype: Any) -> np.ndarray:
    arr = np.array(values, dtype=dtype)
    if arr.shape not in ((d,), (k, d)):
        raise InvalidModelError(f"{name}: expected shape ({d},) or ({k}, {d}), got {arr.shape}")
    return np.broadcast_to(arr, (k, d))


def _scale(
    w_in: np.ndarray, b_in: np.ndarray | None, w_out: np.ndarray, factor: np.ndarray, op: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    # Incoming rows times the factor; outgoing columns times it (a sign) or divided by it (a scale).
    w_in = w_in * factor[:, :, None]
    b_in = None if b_in is None else b_in * factor
    w_out = w_out * factor[:, None, :] if op == "*" else w_out / factor[:, None, :]
    return w_in, b_in, w_out


def _split(network: Network, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None]]:
    k, at, layers = flat.shape[0], 0, []
    for out, inp in network.layer_shapes:
        w = flat[:, at : at + out * inp].reshape(k, out, inp).copy()
        at += out * inp
        b = None
        if network.bias:
            b = flat[:, at : at + out].copy()
            at += out
        layers.append((w, b))
    return layers


def _join(layers: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
    k = layers[0][0].shape[0]
    parts = []
    for w, b in layers:
        parts.append(w.reshape(k, -1))
        if b is not None:
            parts.append(b)
    return np.concatenate(parts, axis=1)
