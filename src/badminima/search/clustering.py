"""Group the end points of a multistart search into distinct critical points modulo the network's
symmetries, and the Wilson interval for the share of starts that reach one.

Canonical form (`canonical`), hidden layer by hidden layer from the input side, each step a function
of the incoming weights only (already fixed by the layers below; later layers never touch them):

1. scale (relu, leaky relu, identity): each unit's incoming ``(w, b)`` gets Euclidean norm 1, the
   outgoing column the inverse factor; exactly zero (dead) units are left alone;
2. sign (tanh, identity, sigmoid with biases): each unit is flipped where ``⟨(w, b), u⟩ < 0``, with ``u``
   the square roots of the first primes (no nonzero rational vector is orthogonal to it, so structured
   points such as ``(1, −1, 0)`` sit far from the switch); a zero incoming vector falls back to the
   outgoing column;
3. order: units sorted by the same scalar ``⟨(w, b), u⟩``, rounded to 1e-9 of the layer's largest so
   that duplicated units tie despite rounding, ties broken by ``⟨outgoing column, u⟩``.

Points related by these symmetries get the same canonical vector, up to rounding, except near the
switches (key near 0 in 2, a key near a grid boundary in 3), where a small change moves the canonical
vector far; nearly duplicated units (Fukumizu & Amari 2000) are the common case. So `cluster_points`
never relies on canonical vectors alone: it matches within a tolerance after *aligning* a candidate to
the seed, per hidden layer from the input side an optimal assignment of units and signs
(`scipy.optimize.linear_sum_assignment`) on the incoming vectors plus the outgoing columns: as they are
in the last hidden layer, elsewhere their sorted absolute values, which the next layer's own symmetries
keep. Candidates come from a k-d tree on a symmetry-invariant fingerprint (the sorted absolute values of
the canonical vector, averaged over 16 blocks), 1-Lipschitz in the max-norm, so no orbit mate within
tolerance is missed and the sweep costs one tree query per cluster, not one comparison per pair.

Not modelled: the continuous ``GL(d)`` symmetry of identity hidden units (only signs, scales and
permutations are quotiented), nor data-dependent ones (dead ReLU units, units whose outgoing weights are
zero): such points form continua and come out as separate clusters of equal loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from badminima.errors import InvalidModelError, SettingsError
from badminima.landscape.symmetries import (
    act_on_layers,
    has_scale_symmetry,
    has_sign_symmetry,
    hidden_layers,
    join_layers,
    split_layers,
)
from badminima.model.network import Network

# Units with an incoming norm below this are "dead": normalising them would only amplify rounding.
_DEAD_NORM = 1e-150
# Order keys are compared on a grid this fine relative to the layer's largest key.
_KEY_GRID = 1e9
# Dimension of the k-d tree's fingerprints.
_FINGERPRINT_BLOCKS = 16

Layers = tuple[np.ndarray, np.ndarray | None]


@dataclass(frozen=True, slots=True)
class Cluster:
    """One critical point modulo symmetry: its lowest-loss member (``index``, the ``representative`` row
    as given and its ``canonical`` form), all member rows in ascending order, and the losses' range."""

    representative: tuple[float, ...]
    canonical: tuple[float, ...]
    index: int
    members: tuple[int, ...]
    loss_min: float
    loss_max: float

    def __post_init__(self) -> None:
        if len(self.representative) != len(self.canonical):
            raise InvalidModelError(
                f"canonical: expected {len(self.representative)} values (as representative), "
                f"got {len(self.canonical)}"
            )
        if self.index not in self.members or list(self.members) != sorted(set(self.members)):
            raise InvalidModelError(
                f"members: expected distinct ascending row indices including index {self.index}, "
                f"got {self.members[:10]!r}"
            )
        if not self.loss_min <= self.loss_max:
            raise SettingsError(f"loss_min: expected ≤ loss_max {self.loss_max}, got {self.loss_min}")

    @property
    def count(self) -> int:
        """Number of member rows (starts that ended here)."""
        return len(self.members)

    @property
    def loss(self) -> float:
        """The representative's loss (the lowest among the members)."""
        return self.loss_min


def canonical(network: Network, thetas: Any) -> np.ndarray:
    """A representative of each point's symmetry orbit (see the module docstring), float64 of the
    input's shape ``(P,)`` or ``(K, P)``: points related by `badminima.landscape.symmetries` map to the
    same vector up to rounding, away from the switches of the sign and order choices.

    Example:
        >>> net = Network((1, 2, 1), "tanh", bias=False)
        >>> canonical(net, np.array([[1.0, -2.0, 3.0, 4.0], [2.0, 1.0, -4.0, 3.0]])).tolist()
        [[1.0, 2.0, 3.0, -4.0], [1.0, 2.0, 3.0, -4.0]]
    """
    arr = _float_points(network, thetas)
    layers = split_layers(network, arr.reshape(-1, network.n_params))
    for layer in hidden_layers(network):
        layers = _canonical_layer(network, layers, layer)
    return join_layers(layers).reshape(arr.shape)


def cluster_points(
    network: Network,
    thetas: Any,
    losses: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    param_rtol: float = 1e-4,
    param_atol: float = 1e-6,
) -> list[Cluster]:
    """The distinct critical points among the K rows of ``thetas`` (K, P) with ``losses`` (K,), modulo
    symmetry, sorted by loss (ties: lower row first).

    Greedy sweep in order of loss: the lowest unassigned row seeds a cluster of every unassigned row j
    with ``|L_j − L_seed| ≤ atol + rtol·max(|L_j|, |L_seed|)`` whose canonical vector, aligned to the
    seed's (module docstring), is within ``param_atol + param_rtol·‖c_seed‖_∞`` in the max-norm. The
    parameter tolerance is looser by default since parameters at a critical point are determined only
    to about the square root of the loss's accuracy.

    Raises:
        SettingsError: shapes that do not fit, non-finite rows or losses (drop diverged runs first),
            negative tolerances.

    Example:
        >>> net = Network((1, 2, 1), "relu", bias=False)
        >>> thetas = np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0]])
        >>> [(c.members, c.loss) for c in cluster_points(net, thetas, np.array([0.5, 0.5, 0.25]))]
        [((2,), 0.25), ((0, 1), 0.5)]
    """
    for name, value in (
        ("rtol", rtol),
        ("atol", atol),
        ("param_rtol", param_rtol),
        ("param_atol", param_atol),
    ):
        if not value >= 0:
            raise InvalidModelError(f"{name}: expected a tolerance ≥ 0, got {value!r}")
    points = _float_points(network, thetas)
    if points.ndim != 2:
        raise InvalidModelError(f"thetas: expected a (K, {network.n_params}) array, got shape {points.shape}")
    values = np.asarray(losses, dtype=np.float64)
    if values.shape != (points.shape[0],):
        raise InvalidModelError(
            f"losses: expected shape ({points.shape[0]},) (one per row), got {values.shape}"
        )
    _check_finite(points, "thetas")
    _check_finite(values, "losses")
    if points.shape[0] == 0:
        return []
    canon = canonical(network, points)
    tolerance = param_atol + param_rtol * np.abs(canon).max(axis=1, initial=0.0)
    fingerprints = _fingerprint(network, canon)
    tree = cKDTree(fingerprints)
    assigned = np.zeros(points.shape[0], dtype=bool)
    clusters = []
    for seed in np.argsort(values, kind="stable"):
        if assigned[seed]:
            continue
        candidates = np.asarray(
            tree.query_ball_point(fingerprints[seed], tolerance[seed], p=np.inf),
            dtype=np.intp,
        )
        candidates = candidates[~assigned[candidates]]
        near = np.abs(values[candidates] - values[seed]) <= atol + rtol * np.maximum(
            np.abs(values[candidates]), abs(values[seed])
        )
        candidates = candidates[near]
        close = np.abs(canon[candidates] - canon[seed]).max(axis=1, initial=0.0) <= tolerance[seed]
        rest = candidates[~close]
        if rest.size:
            aligned = _align(network, canon[seed], canon[rest])
            close[~close] = np.abs(aligned - canon[seed]).max(axis=1, initial=0.0) <= tolerance[seed]
        members = np.unique(np.append(candidates[close], seed))
        assigned[members] = True
        clusters.append(
            Cluster(
                representative=tuple(points[seed].tolist()),
                canonical=tuple(canon[seed].tolist()),
                index=int(seed),
                members=tuple(int(m) for m in members),
                loss_min=float(values[members].min()),
                loss_max=float(values[members].max()),
            )
        )
    return clusters


def wilson_interval(successes: int, trials: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a success probability from ``successes`` of ``trials``:

    ``(p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)``, ``z = Φ⁻¹(1 − (1 − confidence)/2)``,
    which, unlike ``p̂ ± z·√(p̂(1 − p̂)/n)``, stays inside [0, 1] and is not empty at 0 or n successes
    (Wilson, J. Amer. Statist. Assoc. 22, 1927).

    Example:
        >>> [round(v, 4) for v in wilson_interval(5, 10)]
        [0.2366, 0.7634]
    """
    for name, value in (("successes", successes), ("trials", trials)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise InvalidModelError(f"{name}: expected an integer count, got {value!r}")
    if trials < 1 or not 0 <= successes <= trials:
        raise InvalidModelError(
            f"successes, trials: expected 0 ≤ successes ≤ trials and trials ≥ 1, got {successes} of {trials}"
        )
    if not 0 < confidence < 1:
        raise SettingsError(f"confidence: expected a level strictly between 0 and 1, got {confidence!r}")
    n, share = float(trials), successes / trials
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z / denominator * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    # The exact interval always contains the share (its ends are 0 and 1 at 0 and n successes): keep
    # rounding from moving an end across it.
    return max(0.0, min(share, float(centre - half))), min(1.0, max(share, float(centre + half)))


def _float_points(network: Network, thetas: Any) -> np.ndarray:
    arr = np.asarray(thetas, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.shape[-1] != network.n_params:
        raise InvalidModelError(
            f"thetas: expected shape ({network.n_params},) or (K, {network.n_params}) for "
            f"{network.describe()}, got {arr.shape}"
        )
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1) if arr.size else np.zeros(0, dtype=bool)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise InvalidModelError(
            f"{name}: expected finite values, got non-finite ones in {rows.size} rows (first: row "
            f"{int(rows[0])}); drop diverged runs before clustering"
        )


def _direction(n: int) -> np.ndarray:
    # √2, √3, √5, …: linearly independent over the rationals, so only the zero vector of small rationals
    # is orthogonal to it; keys of structured points stay away from 0 and from each other.
    primes: list[int] = []
    candidate = 2
    while len(primes) < n:
        if all(candidate % p for p in primes if p * p <= candidate):
            primes.append(candidate)
        candidate += 1
    return np.sqrt(np.array(primes, dtype=np.float64))


def _incoming(layers: list[Layers], layer: int) -> np.ndarray:
    w, b = layers[layer - 1]
    return w if b is None else np.concatenate([w, b[:, :, None]], axis=2)


def _incoming_dot(w: np.ndarray, b: np.ndarray | None, u: np.ndarray) -> np.ndarray:
    return w @ u[: w.shape[2]] + (0.0 if b is None else b * u[-1])


def _canonical_layer(network: Network, layers: list[Layers], layer: int) -> list[Layers]:
    # Keys and norms of the incoming vectors (w, b) are taken piecewise: no (K, d, in + 1) copy.
    w, b = layers[layer - 1]
    u = _direction(w.shape[2] + (b is not None))
    scales = signs = None
    if has_scale_symmetry(network):
        norm2 = (w * w).sum(axis=2) + (0.0 if b is None else b * b)
        norm = np.sqrt(norm2)
        scales = np.divide(1.0, norm, out=np.ones_like(norm), where=norm > _DEAD_NORM)
    if has_sign_symmetry(network):
        key = _incoming_dot(w, b, u) * (1.0 if scales is None else scales)
        outgoing = layers[layer][0]
        key = np.where(key == 0, np.swapaxes(outgoing, 1, 2) @ _direction(outgoing.shape[1]), key)
        signs = np.where(key < 0, -1.0, 1.0)
    if scales is not None or signs is not None:
        layers = act_on_layers(network, layers, layer, signs=signs, scales=scales)
    outgoing = layers[layer][0]
    primary = _incoming_dot(*layers[layer - 1], u)
    # Keys within ~1e-9 of the row's largest are ties (duplicated units, or rescaled units whose
    # directions agree but for rounding): those are ordered by their outgoing weights instead.
    scale = np.abs(primary).max(axis=1, keepdims=True)
    primary = np.round(primary / np.where(scale > 0, scale, 1.0) * _KEY_GRID)
    secondary = np.swapaxes(outgoing, 1, 2) @ _direction(outgoing.shape[1])
    return act_on_layers(network, layers, layer, perm=np.lexsort((secondary, primary), axis=-1))


def _fingerprint(network: Network, canon: np.ndarray) -> np.ndarray:
    # Sorted (absolute) values: invariant under the permutations and flips that canonicalisation may
    # leave; sigmoid flips also shift the next biases, so those are left out. Then averaged over
    # _FINGERPRINT_BLOCKS consecutive blocks (a k-d tree query costs in proportion to the dimension).
    # Sorting, |.| and averaging are 1-Lipschitz in the max-norm: fingerprints of points within a
    # tolerance after alignment are within it too.
    keep = np.ones(network.n_params, dtype=bool)
    if network.activation == "sigmoid" and has_sign_symmetry(network):
        at = 0
        for i, (out, inp) in enumerate(network.layer_shapes):
            at += out * inp
            if i > 0:
                keep[at : at + out] = False
            at += out
    values = canon[:, keep]
    ordered = np.sort(np.abs(values) if has_sign_symmetry(network) else values, axis=1)
    blocks = np.array_split(np.arange(ordered.shape[1]), min(_FINGERPRINT_BLOCKS, ordered.shape[1]))
    averaging = np.zeros((ordered.shape[1], len(blocks)))
    for j, block in enumerate(blocks):
        averaging[block, j] = 1 / len(block)
    return ordered @ averaging


def _column_profile(network: Network, w_out: np.ndarray) -> np.ndarray:
    columns = np.swapaxes(w_out, 1, 2)
    return np.sort(np.abs(columns) if has_sign_symmetry(network) else columns, axis=2)


def _align(network: Network, target: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``others`` (M, P) moved by permutations and flips, layer by layer from the input side, to match
    ``target`` (P,) as well as an optimal assignment of units can (all canonical vectors)."""
    reference = split_layers(network, target[None, :])
    last = network.depth - 1
    current = split_layers(network, others)
    for layer in hidden_layers(network):
        a, b = _incoming(reference, layer)[0], _incoming(current, layer)
        same = ((a[None, :, None, :] - b[:, None, :, :]) ** 2).sum(axis=3)
        opposite = ((a[None, :, None, :] + b[:, None, :, :]) ** 2).sum(axis=3)
        if layer == last:
            # The output layer has no symmetry of its own: its columns pin down duplicated units.
            oa, ob = reference[layer][0][0].T, np.swapaxes(current[layer][0], 1, 2)
            same = same + ((oa[None, :, None, :] - ob[:, None, :, :]) ** 2).sum(axis=3)
            opposite = opposite + ((oa[None, :, None, :] + ob[:, None, :, :]) ** 2).sum(axis=3)
        else:
            # The next layer is not aligned yet: compare what its permutations and flips leave of each
            # outgoing column, its sorted (absolute) values.
            oa, ob = (
                _column_profile(network, reference[layer][0])[0],
                _column_profile(network, current[layer][0]),
            )
            profile = ((oa[None, :, None, :] - ob[:, None, :, :]) ** 2).sum(axis=3)
            same, opposite = same + profile, opposite + profile
        flip = opposite < same if has_sign_symmetry(network) else np.zeros_like(same, dtype=bool)
        cost = np.where(flip, opposite, same)
        perms = np.stack([linear_sum_assignment(c)[1] for c in cost])
        chosen = np.take_along_axis(flip, perms[:, :, None], axis=2)[:, :, 0]
        signs = np.where(chosen, -1.0, 1.0) if has_sign_symmetry(network) else None
        current = act_on_layers(network, current, layer, perm=perms, signs=signs)
    return join_layers(current)
