"""The Gaussian population loss of a sum of ReLUs fitting a teacher, in closed form (Safran & Shamir 2018).

Student x ↦ Σ_{i≤k} relu(w_i·x), teacher x ↦ Σ_{j≤m} relu(v_j·x), output weights fixed at 1, and

    F(W) = ½ E_{x ~ N(0, I_n)} [(Σ_i relu(w_i·x) − Σ_j relu(v_j·x))²]
         = ½ Σ_{i,j} κ(w_i, w_j) − Σ_{i,j} κ(w_i, v_j) + ½ Σ_{i,j} κ(v_i, v_j),

    κ(u, v) = E[relu(u·x) relu(v·x)] = ‖u‖‖v‖ (sin θ + (π − θ) cos θ) / (2π),   θ = ∠(u, v)

(Cho & Saul 2009). With ŵ = w/‖w‖, c = ŵ·v̂, σ = sin θ = √(1 − c²):

    ∇_w κ(w, v)    = (‖v‖ σ ŵ + (π − θ) v) / (2π)
    ∇²_ww κ(w, v)  = ‖v‖ σ / ‖w‖ · (I − ŵŵᵀ + n nᵀ) / (2π),     n = (v̂ − c ŵ)/σ
    ∇²_wv κ(w, v)  = ((π − θ) I + m v̂ᵀ + n ŵᵀ) / (2π),            m = (ŵ − c v̂)/σ

and κ(w, w) = ‖w‖²/2 gives the ½I on the Hessian's diagonal blocks. Parameters are the rows of W
(neuron i is row i), flattened row-major. The maths is written once: `pairs` (norms, angles and normals;
needs `acos`, `sqrt` and division) runs on ball or float arithmetic, and `loss_from`, `gradient_from` and
`hessian_from` use only +, −, × and sums, so a proof can run them on float64 enclosures
(`badminima.verify.population`). Batched float versions serve the multistart experiments.

The formulas need every w_i ≠ 0 and, for the Hessian, no two of w_i, w_j, v_j parallel (σ > 0); at a
ball that cannot exclude σ = 0 the normals come out indeterminate and a proof fails, never lies.

Reference: Safran & Shamir, "Spurious Local Minima are Common in Two-Layer ReLU Neural Networks",
ICML 2018 (arXiv:1712.08968), Section 4 and Appendix.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.arithmetic.protocol import AngularArithmetic


@dataclass(frozen=True)
class Pairs:
    """The geometry between the rows a_i of A (k × n) and b_j of B (m × n), as arrays of a backend.

    ``cos``, ``rest`` (π − θ, θ the angle), ``sin`` are (k, m); ``ratio`` is ‖b_j‖ sin θ_ij / ‖a_i‖;
    ``normal[i, :, j] = (b̂_j − c â_i)/σ`` and ``back[i, :, j] = (â_i − c b̂_j)/σ`` are (k, n, m). With
    ``same`` (B is A), the diagonal is θ = 0, σ = 0, normals 0. ``ratio`` and the normals are None
    unless asked for. ``inv_two_pi`` is 1/(2π) in the backend. Every array may carry leading batch
    axes (K students at once), shared by A and B or by A alone.
    """

    norm_a: Any
    norm_b: Any
    unit_a: Any
    unit_b: Any
    cos: Any
    rest: Any
    sin: Any
    ratio: Any
    normal: Any
    back: Any
    inv_two_pi: Any


def _matrix(arith: Any, values: np.ndarray) -> Any:
    return arith.matrix([[Fraction(int(v)) for v in row] for row in values])


def pairs(A: Any, B: Any, *, arith: AngularArithmetic, same: bool = False, normals: bool = True) -> Pairs:
    """Norms, cosines, angles, sines and (when ``normals``: the Hessian needs them, the loss and the
    gradient do not) unit normals between the rows of ``A`` and of ``B``. ``A`` may be a stack
    (…, k, n) of students: every operation broadcasts over the leading axes, so K students cost one
    pass of O(K·k·m·n) array operations.

    Example:
        >>> import torch
        >>> p = pairs(torch.eye(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64),
        ...           arith=FloatArithmetic(), same=True)
        >>> float(p.rest[0, 1]) == float(torch.pi / 2), float(p.sin[0, 0]), float(p.cos[0, 0])
        (True, 0.0, 1.0)
    """
    k, m = A.shape[-2], B.shape[-2]
    zero, one = arith.constant(Fraction(0)), arith.constant(Fraction(1))
    pi = arith.acos(arith.vector([Fraction(-1)]))[0]
    norm_a = arith.sqrt((A * A).sum(-1))
    norm_b = norm_a if same else arith.sqrt((B * B).sum(-1))
    unit_a = A / norm_a[..., None]
    unit_b = unit_a if same else B / norm_b[..., None]
    cos = arith.matmul(unit_a, unit_b.swapaxes(-1, -2))
    diag = np.eye(k, m, dtype=bool)

    def off_diagonal(x: Any, on: Any) -> Any:
        # θ_ii = 0 exactly when B is A: keep acos and the division away from cos = 1, sin = 0
        return arith.where(diag, on, x) if same else x

    cos = off_diagonal(cos, zero)
    rest = off_diagonal(arith.acos(-cos), pi)
    sin = off_diagonal(arith.sqrt(1 - cos * cos), zero)
    normal = back = ratio = None
    if normals:
        safe = off_diagonal(sin, one)[..., None, :]
        ub, ua = unit_b.swapaxes(-1, -2)[..., None, :, :], unit_a[..., :, :, None]
        normal = (ub - cos[..., None, :] * ua) / safe
        back = (ua - cos[..., None, :] * ub) / safe
        if same:
            off = _matrix(arith, ~diag)[:, None, :]
            normal, back = normal * off, back * off
        ratio = norm_b[..., None, :] * sin / norm_a[..., None]
    cos = off_diagonal(cos, one)
    return Pairs(norm_a, norm_b, unit_a, unit_b, cos, rest, sin, ratio, normal, back, 1 / (2 * pi))


def _kernel_sum(p: Pairs, arith: Any) -> Any:
    """Σ_ij 2π κ(a_i, b_j) = Σ ‖a_i‖‖b_j‖ (sin θ + (π − θ) cos θ)."""
    return (p.norm_a[..., None] * p.norm_b[..., None, :] * (p.sin + p.rest * p.cos)).sum(-1).sum(-1)


def loss_from(student: Pairs, cross: Pairs, teacher: Pairs, *, arith: Any) -> Any:
    """F from the geometry of the student's pairs, student–teacher pairs and teacher's pairs."""
    total = _kernel_sum(student, arith) * arith.constant(Fraction(1, 2)) - _kernel_sum(cross, arith)
    return (total + _kernel_sum(teacher, arith) * arith.constant(Fraction(1, 2))) * student.inv_two_pi


def gradient_from(student: Pairs, cross: Pairs, W: Any, V: Any, *, arith: Any) -> Any:
    """∇F as a (k, n) array: row i is
    Σ_j (‖w_j‖σ_ij ŵ_i + (π − θ_ij) w_j − ‖v_j‖σ'_ij ŵ_i − (π − φ_ij) v_j)/2π."""
    radial = (student.sin * student.norm_b[..., None, :]).sum(-1) - (
        cross.sin * cross.norm_b[..., None, :]
    ).sum(-1)
    g = radial[..., None] * student.unit_a + arith.matmul(student.rest, W) - arith.matmul(cross.rest, V)
    return g * student.inv_two_pi


def hessian_from(student: Pairs, cross: Pairs, *, arith: Any) -> Any:
    """∇²F as a (k·n, k·n) array, row and column index i·n + a (neuron i, coordinate a).

    Off-diagonal block (i, j): ((π − θ_ij) I + m_ij ŵ_jᵀ + n_ij ŵ_iᵀ)/2π. Diagonal block i:
    ½I + Σ_{j≠i} ‖w_j‖σ_ij/‖w_i‖ (I − ŵ_iŵ_iᵀ + n_ij n_ijᵀ)/2π
       − Σ_j ‖v_j‖σ'_ij/‖w_i‖ (I − ŵ_iŵ_iᵀ + n'_ij n'_ijᵀ)/2π.
    """
    k, n = student.unit_a.shape
    eye_n, eye_k = _matrix(arith, np.eye(n, dtype=int)), _matrix(arith, np.eye(k, dtype=int))
    off_k = _matrix(arith, 1 - np.eye(k, dtype=int))
    u = student.unit_a
    off = (
        student.rest[:, None, :, None] * eye_n[None, :, None, :]
        + student.back[:, :, :, None] * u[None, None, :, :]
        + student.normal[:, :, :, None] * u[:, None, None, :]
    )
    spread = student.ratio.sum(1) - cross.ratio.sum(1)
    proj = eye_n[None, :, :] - u[:, :, None] * u[:, None, :]
    bend = (
        student.normal[:, :, None, :] * student.normal[:, None, :, :] * student.ratio[:, None, None, :]
    ).sum(3)
    bend = bend - (
        cross.normal[:, :, None, :] * cross.normal[:, None, :, :] * cross.ratio[:, None, None, :]
    ).sum(3)
    diag = spread[:, None, None] * proj + bend
    blocks = off * off_k[:, None, :, None] + diag[:, :, None, :] * eye_k[:, None, :, None]
    H = blocks * student.inv_two_pi + eye_k[:, None, :, None] * eye_n[None, :, None, :] * arith.constant(
        Fraction(1, 2)
    )
    return H.reshape(k * n, k * n)


def population_loss(W: Any, V: Any, *, arith: AngularArithmetic) -> Any:
    """F(W) for student rows ``W`` (k × n) and teacher rows ``V`` (m × n), arrays of ``arith``.

    Example (the teacher itself, and its loss 0):
        >>> import torch
        >>> V = torch.eye(3, dtype=torch.float64)
        >>> abs(float(population_loss(V, V, arith=FloatArithmetic()))) < 1e-15
        True
    """
    with arith.context():
        return loss_from(
            pairs(W, W, arith=arith, same=True, normals=False),
            pairs(W, V, arith=arith, normals=False),
            pairs(V, V, arith=arith, same=True, normals=False),
            arith=arith,
        )


def output_energy(W: Any, *, arith: AngularArithmetic) -> Any:
    """½E[(Σ_i relu(w_i·x))²] = ½ Σ_ij κ(w_i, w_j): F for a student whose neurons are the teacher's
    plus the rows ``W`` — the teacher's part cancels exactly, so no pair of parallel rows (a student
    neuron equal to a teacher neuron) has to be enclosed.

    Example (one neuron: κ(w, w) = ‖w‖²/2, so ‖w‖²/4):
        >>> import torch
        >>> float(output_energy(torch.tensor([[3.0, 4.0]], dtype=torch.float64), arith=FloatArithmetic()))
        6.25
    """
    with arith.context():
        p = pairs(W, W, arith=arith, same=True, normals=False)
        return _kernel_sum(p, arith) * arith.constant(Fraction(1, 2)) * p.inv_two_pi


def population_gradient(W: Any, V: Any, *, arith: AngularArithmetic) -> Any:
    """∇F(W) as a (k, n) array of ``arith``."""
    with arith.context():
        student = pairs(W, W, arith=arith, same=True, normals=False)
        return gradient_from(student, pairs(W, V, arith=arith, normals=False), W, V, arith=arith)


def population_hessian(W: Any, V: Any, *, arith: AngularArithmetic) -> Any:
    """∇²F(W) as a (k·n, k·n) array of ``arith`` (parameters: the rows of W, row-major)."""
    with arith.context():
        return hessian_from(pairs(W, W, arith=arith, same=True), pairs(W, V, arith=arith), arith=arith)


_FLOAT = FloatArithmetic()


def _as_tensor(x: Any) -> torch.Tensor:
    return torch.as_tensor(
        np.asarray(x, dtype=np.float64) if not isinstance(x, torch.Tensor) else x, dtype=DTYPE
    )


def batched_population_losses(W: Any, V: Any) -> torch.Tensor:
    """F at K students at once: ``W`` (K, k, n) → (K,), float64 (`population_loss` itself: its code
    broadcasts over leading axes)."""
    return population_loss(_as_tensor(W), _as_tensor(V), arith=_FLOAT)


def batched_population_gradients(W: Any, V: Any) -> torch.Tensor:
    """∇F at K students at once: ``W`` (K, k, n) → (K, k, n), float64, in O(K·k·(k + m)·n) operations
    (`population_gradient` itself, on the whole stack)."""
    return population_gradient(_as_tensor(W), _as_tensor(V), arith=_FLOAT)


def batched_population_hessians(W: Any, V: Any, *, chunk: int = 16) -> torch.Tensor:
    """∇²F at K students at once: ``W`` (K, k, n) → (K, k·n, k·n), float64, ``chunk`` at a time."""
    Vt = _as_tensor(V)
    fn = torch.func.vmap(lambda w: population_hessian(w, Vt, arith=_FLOAT))
    Wt = _as_tensor(W)
    return (
        torch.cat([fn(Wt[s : s + chunk]) for s in range(0, len(Wt), chunk)]) if len(Wt) else Wt.new_zeros(0)
    )
