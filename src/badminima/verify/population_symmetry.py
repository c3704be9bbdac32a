"""A symmetry-reduced proof that a symmetric point of Safran & Shamir's population loss (teacher V = I_k)
lies next to a strict local minimum: four blocks of size at most 5 instead of one P × P matrix, P = k².

The group G = S_{k−1} permutes the neurons 1…k−1 and the coordinates 1…k−1 together; it maps F to
itself (permuting coordinates permutes the teacher's neurons). Its fixed points Fix = range(E) are the
points with one special neuron and k − 1 alike (five numbers p = (a, b, c, d, e): w_0 = (a, c, …, c),
w_j = (b, e, …, d, …, e), d at coordinate j), and under G the parameter space splits into isotypic
components: the trivial one (multiplicity 5, basis E), the standard one (multiplicity 5, dimension
k − 2 each), and two of multiplicity one (the symmetric and antisymmetric traceless parts of the
off-diagonal entries; dimensions (k−1)(k−4)/2 and (k−2)(k−3)/2). At every x ∈ Fix the Hessian commutes
with G, so by Schur's lemma it acts on each component through one small matrix: ΦᵀH(x)Φ with Φ five
(or one) equivariant embeddings of one vector u of the representation.

The proof (Newton on the five numbers first, then balls):
1. over the box B of ∞-radius r around an exact symmetric centre c the Hessian is enclosed
   (`box_hessian`), and the four blocks Φᵀ H Φ with it: the true H(x) at x ∈ Fix ∩ B is block diagonal
   in these bases, so its off-block entries are exactly 0 and are not needed;
2. EᵀHE ⪰ μ_E·I on the p-box of radius r and ‖Eᵀ∇F(c)‖ < μ_E·r/2 give a unique critical point p* of
   p ↦ F(Ep) in it; ∇F(Ep*) lies in Fix (equivariance) and is orthogonal to Fix, so Ep* is a critical
   point of F (the principle of symmetric criticality, Palais 1979);
3. every block positive definite on B makes ∇²F(Ep*) ≻ 0: a strict local minimum; F(Ep*) lies in
   [F(c) − ‖Eᵀ∇F(c)‖²/(2μ_E), F(c)] (p ↦ F(Ep) is μ_E-strongly convex on the p-box, p* its minimiser).

Nothing P × P is ever multiplied: the cost is the enclosure of the Hessian over the box (O(k⁴) float
enclosure entries) and products of it with P × 5 matrices, where the dense proof
(`verify.population_box.prove_minimum`) also diagonalises the float Hessian and forms QᵀHQ (O(P³)).

Reference: Arjevani & Field, "Analytic characterization of the Hessian in shallow ReLU models: a tale of
symmetry" (NeurIPS 2020) for the isotypic structure of these Hessians; Palais, "The principle of
symmetric criticality" (Comm. Math. Phys. 1979).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, lower_bound, upper
from badminima.arithmetic.floating import FloatArithmetic
from badminima.errors import SettingsError
from badminima.landscape.population import population_gradient, population_hessian
from badminima.verify.parameter_box import ball_bounds, norm_upper, strong_convexity_floor
from badminima.verify.population_box import NO_HESSIAN, box_hessian, enclose_loss, floats, gradient_balls

Rows = list[list[Fraction]]
COMPONENTS = ("trivial", "standard", "symmetric", "antisymmetric")


def _index(k: int, i: int, a: int) -> int:
    return i * k + a


def isotypic_bases(k: int) -> dict[str, np.ndarray]:
    """For each isotypic component of S_{k−1} acting on k × k students (k ≥ 5), its equivariant
    embeddings of one vector, as the columns of a (k², m) integer matrix (m = 5, 5, 1, 1); the
    standard ones embed u = e_1 − e_2. Parameters are the rows of W, row-major.

    Example (the dimensions add up to k²):
        >>> k = 6
        >>> 5 + 5 * (k - 2) + (k - 1) * (k - 4) // 2 + (k - 2) * (k - 3) // 2 == k * k
        True
        >>> {name: b.shape[1] for name, b in isotypic_bases(k).items()}
        {'trivial': 5, 'standard': 5, 'symmetric': 1, 'antisymmetric': 1}
    """
    if k < 5:
        raise SettingsError(
            f"isotypic_bases: expected k >= 5 (the symmetric component needs 4 alike), got {k}"
        )
    P, rest = k * k, range(1, k)
    triv = np.zeros((P, 5), dtype=np.int64)
    triv[_index(k, 0, 0), 0] = 1  # a
    for j in rest:
        triv[_index(k, j, 0), 1] = 1  # b
        triv[_index(k, 0, j), 2] = 1  # c
        triv[_index(k, j, j), 3] = 1  # d
        for i in rest:
            if i != j:
                triv[_index(k, j, i), 4] = 1  # e
    u = np.zeros(k, dtype=np.int64)
    u[1], u[2] = 1, -1
    std = np.zeros((P, 5), dtype=np.int64)
    for j in rest:
        std[_index(k, 0, j), 0] = u[j]
        std[_index(k, j, 0), 1] = u[j]
        std[_index(k, j, j), 2] = u[j]
        for i in rest:
            if i != j:
                std[_index(k, i, j), 3] = u[i]
                std[_index(k, i, j), 4] = u[j]
    sym = np.zeros((P, 1), dtype=np.int64)
    for (i, j), s in {(1, 2): 1, (3, 4): 1, (1, 3): -1, (2, 4): -1}.items():
        sym[_index(k, i, j), 0] = sym[_index(k, j, i), 0] = s
    anti = np.zeros((P, 1), dtype=np.int64)
    for i, j in ((1, 2), (2, 3), (3, 1)):
        anti[_index(k, i, j), 0], anti[_index(k, j, i), 0] = 1, -1
    return {"trivial": triv, "standard": std, "symmetric": sym, "antisymmetric": anti}


def symmetric_rows(k: int, p: Sequence[Any]) -> list[list[Any]]:
    """The k × k student (neuron i as row i) with five numbers ``p`` = (a, b, c, d, e):
    w_0 = (a, c, …, c), w_j = (b, e, …, d, …, e) with d at coordinate j.

    Example:
        >>> symmetric_rows(3, [1, 2, 3, 4, 5])
        [[1, 3, 3], [2, 4, 5], [2, 5, 4]]
    """
    a, b, c, d, e = p
    return [[a] + [c] * (k - 1)] + [[b] + [d if i == j else e for i in range(1, k)] for j in range(1, k)]


@dataclass(frozen=True)
class SymmetricForm:
    """A student that is `symmetric_rows` (k, ``numbers``) up to order: row ``neurons[i]`` of the given
    point is neuron i of the symmetric form, and coordinate ``coordinates[a]`` its coordinate a."""

    numbers: tuple[Fraction, ...]
    neurons: tuple[int, ...]
    coordinates: tuple[int, ...]

    def canonical(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """``rows`` (given order) in the symmetric form's order."""
        return [[rows[i][a] for a in self.coordinates] for i in self.neurons]

    def given(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """``rows`` in the symmetric form's order put back in the given order."""
        out: list[list[Any]] = [[None] * len(self.coordinates) for _ in self.neurons]
        for i, src in zip(self.neurons, rows, strict=True):
            for a, v in zip(self.coordinates, src, strict=True):
                out[i][a] = v
        return out


def is_standard_basis(teacher: Sequence[Sequence[Fraction]]) -> bool:
    """True when the teacher's rows are exactly e_0, …, e_{k−1} in some order (V = I up to its neurons'
    order, which F does not see): then permuting the coordinates maps F to itself."""
    k = len(teacher)
    ones = []
    for row in teacher:
        if len(row) != k or any(v not in (0, 1) for v in row) or sum(row) != 1:
            return False
        ones.append(next(a for a, v in enumerate(row) if v == 1))
    return sorted(ones) == list(range(k))


def _alike(block: list[list[Fraction]]) -> list[int] | None:
    """For the (k−1) × (k−1) rows of the alike neurons (special coordinate removed): the position of d
    in each row (e everywhere else, the same d and e in every row, the positions all different), or
    None. With d = e every position is d's: the identity order."""
    m = len(block)
    counts: dict[Fraction, int] = {}
    for row in block:
        for v in row:
            counts[v] = counts.get(v, 0) + 1
    e = max(counts, key=lambda v: counts[v])
    if counts[e] == m * m:
        return list(range(m))
    where = []
    for row in block:
        off = [a for a, v in enumerate(row) if v != e]
        if len(off) != 1:
            return None
        where.append(off[0])
    d = {block[r][a] for r, a in enumerate(where)}
    return where if len(d) == 1 and len(set(where)) == m else None


def symmetric_form(
    rows: Sequence[Sequence[Fraction]], teacher: Sequence[Sequence[Fraction]]
) -> SymmetricForm | None:
    """The five numbers (a, b, c, d, e) and the neuron and coordinate orders that make the k × k
    student ``rows`` Safran & Shamir's symmetric point (`symmetric_rows`), when the teacher is V = I up
    to order (`is_standard_basis`) and k ≥ 5 (what `isotypic_bases` needs); else None. Decided
    exactly on the given numbers: a point off the form by one unit in the last digit is not in it.

    Example (the symmetric rows with the neurons 0 and 2 swapped):
        >>> eye = [[Fraction(int(i == j)) for j in range(5)] for i in range(5)]
        >>> rows = symmetric_rows(5, [Fraction(v) for v in (1, 2, 3, 4, 5)])
        >>> rows[0], rows[2] = rows[2], rows[0]
        >>> form = symmetric_form(rows, eye)
        >>> [int(v) for v in form.numbers], form.neurons[0]
        ([1, 2, 3, 4, 5], 2)
        >>> symmetric_form(rows, eye[::-1]) is not None  # the teacher's neurons in another order
        True
        >>> symmetric_form(rows, [[2 * v for v in r] for r in eye]) is None  # teacher 2·I
        True
    """
    k = len(rows)
    if k < 5 or len(teacher) != k or any(len(r) != k for r in rows) or not is_standard_basis(teacher):
        return None
    for c0 in range(k):
        column = [rows[i][c0] for i in range(k)]
        values = set(column)
        if len(values) > 2:
            continue
        # the special neuron is the one row whose entry in c0 differs (any row when all agree)
        specials = [i for i in range(k) if column.count(column[i]) == 1] if len(values) == 2 else range(k)
        for i0 in specials:
            rest = [i for i in range(k) if i != i0]
            others = [a for a in range(k) if a != c0]
            if len({rows[i0][a] for a in others}) != 1:
                continue
            where = _alike([[rows[i][a] for a in others] for i in rest])
            if where is None:
                continue
            coords = (c0, *(others[a] for a in where))
            form = SymmetricForm((Fraction(0),) * 5, (i0, *rest), coords)
            canon = form.canonical(rows)
            numbers = (canon[0][0], canon[1][0], canon[0][1], canon[1][1], canon[1][2])
            if symmetric_rows(k, list(numbers)) == canon:
                return SymmetricForm(numbers, form.neurons, coords)
    return None


def copies(k: int) -> dict[str, int]:
    """How many times each isotypic block's eigenvalues repeat in the k² × k² Hessian: the dimension of
    the irreducible representation (1, k − 2, (k−1)(k−4)/2, (k−2)(k−3)/2).

    Example (5·1 + 5·(k − 2) + 1·… + 1·… = k²):
        >>> c = copies(7)
        >>> c, 5 * c["trivial"] + 5 * c["standard"] + c["symmetric"] + c["antisymmetric"]
        ({'trivial': 1, 'standard': 5, 'symmetric': 9, 'antisymmetric': 10}, 49)
    """
    return {
        "trivial": 1,
        "standard": k - 2,
        "symmetric": (k - 1) * (k - 4) // 2,
        "antisymmetric": (k - 2) * (k - 3) // 2,
    }


def _float_block(H: np.ndarray, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ΦᵀHΦ and the Gram matrix ΦᵀΦ in float64."""
    phi = basis.astype(np.float64)
    return phi.T @ H @ phi, phi.T @ phi


def block_spectra(H: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """The Hessian's eigenvalues per isotypic component (float64, ascending): the generalised eigenvalues
    of (ΦᵀHΦ, ΦᵀΦ). At a symmetric point they are H's spectrum, each standard one k − 2 times, the
    symmetric one (k−1)(k−4)/2 times and the antisymmetric one (k−2)(k−3)/2 times."""
    out = {}
    for name, basis in isotypic_bases(k).items():
        M, G = _float_block(H, basis)
        L = np.linalg.cholesky(G)
        Li = np.linalg.inv(L)
        out[name] = np.linalg.eigvalsh(Li @ M @ Li.T)
    return out


def _relative_lower(M: Enclosure, G: np.ndarray) -> Fraction | None:
    """A proved lower bound on min_y yᵀMy / yᵀGy over every symmetric M in the enclosure (G exact,
    positive definite), or None unless positive: with Q = L⁻ᵀQ₀ (G = LLᵀ, Q₀ the eigenvectors of
    L⁻¹M.mid L⁻ᵀ, all float), y = Qz gives ≥ λ_min(QᵀMQ)/λ_max(QᵀGQ), both bounded by Gershgorin.
    A positive λ_min(QᵀMQ) also proves the float Q nonsingular, so every y is some Qz."""
    L = np.linalg.cholesky(G)
    Li = np.linalg.inv(L)
    _, Q0 = np.linalg.eigh(Li @ M.mid @ Li.T)
    Q = Enclosure.exact(Li.T @ Q0)
    A, B = Q.T @ M @ Q, Q.T @ Enclosure.exact(G) @ Q
    if not (A.is_finite() and B.is_finite()):
        return None
    off = A.upper_abs()
    np.fill_diagonal(off, 0.0)
    lows = lower_bound(np.diagonal(A.mid), upper(off.sum(1) + np.diagonal(A.rad), len(off) + 3))
    tops = upper(B.upper_abs().sum(1), len(B.mid) + 2)
    if not (np.all(np.isfinite(lows)) and np.all(np.isfinite(tops))) or not lows.min() > 0:
        return None
    return Fraction(float(lows.min())) / Fraction(float(tops.max()))


@dataclass(frozen=True)
class SymmetricMinimumProof:
    """A proved strict local minimiser E·p* of F with p* within ``radius`` (∞-norm) of ``center`` (five
    exact numbers a, b, c, d, e), ∇²F ⪰ ``curvature[name]``·I on each isotypic component at every
    symmetric point of the box, and F at the minimiser in [``loss_lower``, ``loss_upper``]
    = [F(c) − g²/(2μ_E), F(c)] (c the centre's point). ``reduced_curvature`` is the proved μ_E with
    EᵀHE ⪰ μ_E·I on the box, and g = ``gradient_upper`` ≥ ‖Eᵀ∇F(c)‖, below μ_E·radius/2."""

    k: int
    center: tuple[Fraction, ...]
    radius: Fraction
    gradient_upper: Fraction
    curvature: dict[str, Fraction]
    loss_lower: Fraction
    loss_upper: Fraction
    precision: int
    steps: tuple[str, ...]
    reduced_curvature: Fraction

    @property
    def mu(self) -> Fraction:
        """∇²F ⪰ mu·I at the minimiser (the smallest component bound)."""
        return min(self.curvature.values())


def _reduced_newton(k: int, p: Sequence[float], V: Any, steps: int) -> tuple[list[Fraction], np.ndarray]:
    """Newton on the five numbers in float64: x ← x − H̃⁻¹Eᵀ∇F(Ex), H̃ = EᵀHE at the start (the
    stored points are accurate to many digits, so a fixed H̃ converges fast). Returns the best point
    as exact numbers, and H̃."""
    f = FloatArithmetic()
    E = isotypic_bases(k)["trivial"].astype(np.float64)
    x = np.array(p, dtype=np.float64)
    reduced = (
        E.T @ population_hessian(floats(symmetric_rows(k, [Fraction(v) for v in x])), V, arith=f).numpy() @ E
    )
    best, best_norm = x, np.inf
    if not np.all(np.isfinite(reduced)):
        return [Fraction(float(v)) for v in best], reduced
    for _ in range(steps):
        W = floats(symmetric_rows(k, [Fraction(float(v)) for v in x]))
        g = E.T @ population_gradient(W, V, arith=f).numpy().ravel()
        norm = float(np.linalg.norm(g))
        if not norm < best_norm:
            break
        best, best_norm = x, norm
        x = x - np.linalg.solve(reduced, g)
        if not np.all(np.isfinite(x)):
            break
    return [Fraction(float(v)) for v in best], reduced


def prove_symmetric_minimum(
    k: int, p: Sequence[float | Fraction], *, precision: int = 128, newton_steps: int = 8
) -> SymmetricMinimumProof | tuple[str, tuple[str, ...]]:
    """The symmetry-reduced proof of a strict local minimum of F (teacher I_k, student of k neurons)
    near the symmetric point with five numbers ``p`` = (a, b, c, d, e), or (reason, steps) when it
    fails (see the module docstring).

    Example:
        >>> from badminima.constructions.safran_shamir import STORED
        >>> proof = prove_symmetric_minimum(7, [Fraction(v) for v in STORED[7]])
        >>> float(proof.loss_lower) > 0.0232 and proof.mu > 0
        True
    """
    teacher = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    V = floats(teacher)
    center, reduced_hessian = _reduced_newton(k, [float(v) for v in p], V, newton_steps)
    rows = symmetric_rows(k, center)
    bases = isotypic_bases(k)
    E = bases["trivial"]
    steps: list[str] = []
    ball = BallArithmetic(precision)
    g = gradient_balls(rows, teacher, precision=precision)
    with ball.context():
        reduced = [sum((g[q] for q in np.flatnonzero(E[:, t])), g[0] * 0) for t in range(5)]
    g_up = norm_upper(ball, reduced)
    if not np.all(np.isfinite(reduced_hessian)):
        return NO_HESSIAN, ()
    mu_e = float(np.linalg.eigvalsh(reduced_hessian)[0])
    if not mu_e > 0:
        return f"the reduced float Hessian has eigenvalue {mu_e:.3g} ≤ 0: not a minimum to prove", ()
    scale = 1 + max(abs(float(v)) for v in center)
    floor = Fraction(scale) * Fraction(1, 2 ** (precision // 3))
    radius = max(Fraction(4) * g_up / Fraction(mu_e), floor)
    last = ""
    for _attempt in range(4):
        H = box_hessian(rows, teacher, radius, precision=precision)
        if not H.is_finite():
            return "the Hessian could not be enclosed on the box (a neuron vanishes or two are parallel)", ()
        phi = Enclosure.exact(E.astype(np.float64))
        T = phi.T @ H @ phi
        mu_red = _relative_lower(T, np.eye(5))
        if mu_red is None or not g_up < mu_red * radius / 2:
            last = (
                "the reduced Hessian is not proved positive definite"
                if mu_red is None
                else f"‖Eᵀ∇F‖ ≤ {float(g_up):.3g} is not below μr/2 = {float(mu_red * radius / 2):.3g}"
            )
            steps.append(f"radius {float(radius):.3g}: {last}")
            if mu_red is None:
                radius /= 16
                if radius < floor:
                    break
            else:
                radius = Fraction(4) * g_up / mu_red
            continue
        curvature: dict[str, Fraction] = {}
        for name in COMPONENTS:
            basis = bases[name].astype(np.float64)
            q = Enclosure.exact(basis)
            M = q.T @ H @ q
            bound = _relative_lower(M, basis.T @ basis)
            if bound is None:
                return f"the {name} block is not proved positive definite", (*steps, f"{name}: not proved")
            curvature[name] = bound
        # p ↦ F(Ep) is μ_E-strongly convex on the box and p* its minimiser there:
        # F(c) − ‖Eᵀ∇F(c)‖²/(2μ_E) ≤ F(Ep*) ≤ F(c)
        lo, hi = ball_bounds(enclose_loss(rows, teacher, precision=precision))
        lo = strong_convexity_floor(lo, g_up, mu_red)
        steps.append(
            f"radius {float(radius):.3g}: blocks ⪰ "
            + ", ".join(f"{n} {float(v):.3g}" for n, v in curvature.items())
        )
        return SymmetricMinimumProof(
            k, tuple(center), radius, g_up, curvature, lo, hi, precision, tuple(steps), mu_red
        )
    return last or "no box was tried", tuple(steps)
