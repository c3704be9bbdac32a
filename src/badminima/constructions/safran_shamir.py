"""Safran & Shamir's spurious minima of the Gaussian population loss, stored in compact symmetric form.

For the teacher V = I_k (n = k) their published minima have one "special" neuron and k − 1 alike: with
neuron i the row w_i,

    w_0 = (a, c, c, …, c),      w_j = (b, e, …, e, d, e, …, e)  (d in coordinate j),  j = 1 … k−1,

so five numbers (a, b, c, d, e) give the whole k × k point (their code stores the minima the same way;
Arjevani & Field call this the isotropy type of S_{k−1}). The five numbers are a critical point of F
restricted to the points fixed by permuting neurons 1…k−1 together with coordinates 1…k−1, hence a
critical point of F (symmetric criticality); `symmetric_minimum` finds it by Newton's method in five
variables, and `STORED` keeps the numbers for the k the catalogue ships, so building a trap needs no search.
The better point is the teacher itself, W = I (loss 0). Reference: Safran & Shamir, ICML 2018,
arXiv:1712.08968 (the published k = 7 minimum has loss ≈ 0.0232027149).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import torch

from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.constructions.family import ConstructionError
from badminima.landscape.population import population_gradient, population_hessian
from badminima.model.population import (
    Population,
    PopulationTrap,
    padded_teacher,
    student_point,
    sum_of_relus,
)

SOURCE = "Safran & Shamir 2018, ICML (arXiv:1712.08968)"
PUBLISHED_K7 = ("-0.6327039049", "0.2616910758", "0.1859910463", "0.9969227988", "-0.0350801559")
"""The published k = 7 minimum to 10 digits: (a, b, c, d, e) as in the module docstring."""
PUBLISHED_K7_LOSS = "0.0232027149"

STORED: Mapping[int, tuple[str, str, str, str, str]] = {
    6: (
        "-0.6015119235610931",
        "0.30801099147906874",
        "0.22451580759947834",
        "0.9867038188885767",
        "-0.050413403216808886",
    ),
    7: (
        "-0.6327039049152551",
        "0.26169107580655454",
        "0.18599104629625135",
        "0.9969227988032853",
        "-0.03508015592704646",
    ),
    8: (
        "-0.6582562620094377",
        "0.2280890164094812",
        "0.15981604291657145",
        "1.0014342534685323",
        "-0.025883628037935",
    ),
    9: (
        "-0.680050236839085",
        "0.2025250639545072",
        "0.14070875053664633",
        "1.0034745560381202",
        "-0.01991470916598785",
    ),
    10: (
        "-0.6990368174937965",
        "0.18236775578872003",
        "0.12604236084341852",
        "1.0043548232623236",
        "-0.015811925805753132",
    ),
    11: (
        "-0.7157983021990753",
        "0.1660288578429945",
        "0.11436563507460372",
        "1.0046620962719464",
        "-0.012866272994003268",
    ),
    12: (
        "-0.7307363890285905",
        "0.1524927546392012",
        "0.10480931300935925",
        "1.0046790562424437",
        "-0.010677712121738226",
    ),
    13: (
        "-0.7441486936679078",
        "0.141078831531559",
        "0.09681886538189342",
        "1.004549208921283",
        "-0.00900604420035956",
    ),
    14: (
        "-0.756265563948201",
        "0.13131312643596996",
        "0.09002239132132556",
        "1.0043481622754882",
        "-0.007699698306105983",
    ),
    15: (
        "-0.7672704037352892",
        "0.12285490485887672",
        "0.0841601800871941",
        "1.0041166927183833",
        "-0.006659065124183147",
    ),
    16: (
        "-0.7773121438382256",
        "0.11545256508228344",
        "0.07904474389093205",
        "1.0038769990429082",
        "-0.005816429536979129",
    ),
    17: (
        "-0.7865135083786624",
        "0.10891604221565204",
        "0.07453693724034421",
        "1.003641075061489",
        "-0.005124419555097518",
    ),
    18: (
        "-0.7949768041139302",
        "0.10309891694659082",
        "0.07053105351294557",
        "1.0034151897105137",
        "-0.004549069243991597",
    ),
    19: (
        "-0.8027881374665415",
        "0.0978864569089238",
        "0.06694517308017539",
        "1.0032023593421997",
        "-0.004065499070527376",
    ),
    20: (
        "-0.8100205756125739",
        "0.09318740829937686",
        "0.06371471024133019",
        "1.0030037460070844",
        "-0.0036551406778796715",
    ),
    25: (
        "-0.8394087094963189",
        "0.0752362506739663",
        "0.051383622267031435",
        "1.0022127717774032",
        "-0.0023054935001656485",
    ),
    30: (
        "-0.86087247734176",
        "0.06315288813704406",
        "0.04308376090279471",
        "1.0016816334693126",
        "-0.0015851281024006115",
    ),
    40: (
        "-0.8901495351541349",
        "0.04786421841923786",
        "0.032576740767683895",
        "1.0010568465178284",
        "-0.0008797860613756242",
    ),
    50: (
        "-0.9092014274128756",
        "0.03856576236769439",
        "0.026185523013470515",
        "1.0007230496133537",
        "-0.000558041155816305",
    ),
}
"""(a, b, c, d, e) per k, 17 significant digits, from `symmetric_minimum` (a test recomputes them)."""


@dataclass(frozen=True)
class Compact:
    """The five numbers of a symmetric k × k point (see the module docstring)."""

    k: int
    a: Fraction
    b: Fraction
    c: Fraction
    d: Fraction
    e: Fraction

    def rows(self) -> list[list[Fraction]]:
        """The full point, neuron i as row i."""
        from badminima.verify.population_symmetry import symmetric_rows

        return symmetric_rows(self.k, [self.a, self.b, self.c, self.d, self.e])


def _expand(p: torch.Tensor, k: int) -> torch.Tensor:
    a, b, c, d, e = p
    eye = torch.eye(k - 1, dtype=DTYPE)
    first = torch.cat([a[None], c.expand(k - 1)])[None, :]
    rest = torch.cat([b.expand(k - 1)[:, None], e + (d - e) * eye], dim=1)
    return torch.cat([first, rest])


def newton_on_family(
    expand: Callable[[torch.Tensor], torch.Tensor], start: torch.Tensor, V: torch.Tensor, *, steps: int = 40
) -> torch.Tensor:
    """A critical point of F restricted to a linear family W = expand(p), by Newton's method in p
    (float64). The family is linear, W = Σ p_t B_t, so the reduced gradient and Hessian are Bᵀ∇F and
    Bᵀ∇²F B with the closed forms of the full space; for a family fixed by a symmetry group, a critical
    point of the restriction is one of F (symmetric criticality)."""
    f = FloatArithmetic()
    p = start.clone()
    eye = torch.eye(len(p), dtype=DTYPE)
    basis = torch.stack([expand(eye[t]).reshape(-1) for t in range(len(p))], dim=1)
    for _ in range(steps):
        W = expand(p)
        g = basis.T @ population_gradient(W, V, arith=f).reshape(-1)
        step = torch.linalg.solve(basis.T @ population_hessian(W, V, arith=f) @ basis, g)
        p = p - step
        if float(step.abs().max()) < 1e-15:
            break
    return p


def symmetric_minimum(
    k: int, *, start: tuple[float, ...] | None = None, steps: int = 40
) -> tuple[float, ...]:
    """A critical point (a, b, c, d, e) of F on the symmetric family for teacher I_k: Newton's method on
    the five-variable function (`newton_on_family`), started from the published k = 7 point (or
    ``start``). float64.

    Example:
        >>> a, b, c, d, e = symmetric_minimum(7)
        >>> round(a, 9), round(e, 9)
        (-0.632703905, -0.035080156)
    """
    p = torch.tensor(start or [float(Fraction(v)) for v in PUBLISHED_K7], dtype=DTYPE)
    found = newton_on_family(lambda q: _expand(q, k), p, torch.eye(k, dtype=DTYPE), steps=steps)
    return tuple(float(v) for v in found)


def compact(k: int) -> Compact:
    """The stored symmetric minimum for ``k`` (or, for a k not stored, `symmetric_minimum`'s)."""
    values = STORED.get(k) or tuple(repr(v) for v in symmetric_minimum(k))
    return Compact(k, *(Fraction(v) for v in values))


def teacher(k: int) -> Population:
    """N(0, I_k) labelled by the sum of ReLUs with V = I_k."""
    eye = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    return Population("gaussian", k, sum_of_relus(k, k), student_point(eye))


def safran_shamir(k: int = 7) -> PopulationTrap:
    """The population trap of Safran & Shamir's spurious minimum for k = n neurons (k ≥ 6), the teacher
    W = I as its better point.

    Raises:
        ConstructionError: k is not an integer ≥ 6 (below 6 the symmetric critical point is no minimum).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 6:
        raise ConstructionError(f"safran-shamir: parameter k: expected an integer >= 6, got {k!r}")
    pop = teacher(k)
    return PopulationTrap(
        sum_of_relus(k, k),
        pop,
        student_point(compact(k).rows()),
        pop.teacher_point,
        name=f"safran-shamir-k{k}",
        description=(
            f"Safran & Shamir's spurious local minimum of the Gaussian population loss, k = n = {k}: one "
            f"special neuron and {k - 1} alike (compact symmetric form, five numbers); better point W = I "
            f"(the teacher, loss 0). The five numbers are ours, found by Newton's method on the symmetric "
            f"family{'; they agree with the published k = 7 point to its 10 digits' if k == 7 else ''}."
        ),
        source=SOURCE,
    )


SPLIT_FIELDS = ("p_own", "p_s", "p_r", "q_own", "q_r", "q_s", "x_s", "x_r")
"""The eight numbers of a split point (see `Split`)."""

STORED_OVERPARAM: Mapping[int, tuple[int, tuple[str, ...]]] = {
    15: (
        4,
        (
            "-0.6655737335136775",
            "0.16754874193112898",
            "0.025679103476372617",
            "1.004144222369279",
            "-0.0024847705491705505",
            "0.06188491461739301",
            "0.4540744052304761",
            "-0.08740688736823916",
        ),
    ),
}
"""k ↦ (s, the eight numbers of `Split`) of a spurious minimum with k + 1 student neurons, 17 digits,
from `split_minimum` started at a gradient-descent end point (a test recomputes them)."""


@dataclass(frozen=True)
class Split:
    """A point of k + 1 neurons (``extra``) or k neurons fitting I_k whose coordinates split into S
    (the first ``s``) and R (the other k − s), stored in eight numbers (`SPLIT_FIELDS`):

        special neuron i < s:     p_own in coordinate i, p_s on the rest of S, p_r on R;
        regular neuron s + m:     q_own in coordinate s + m, q_r on the rest of R, q_s on S;
        the extra neuron:         x_s on S, x_r on R.

    It is fixed by permuting S (with the special neurons) and R (with the regular ones), the isotropy
    type S_s × S_{k−s} (Arjevani & Field). ``s`` = 1 without ``extra`` is Safran & Shamir's symmetric
    family (`Compact`); the minima gradient descent finds with k + 1 neurons have this form.
    """

    k: int
    s: int
    extra: bool
    values: tuple[Fraction, ...]

    def rows(self) -> list[list[Fraction]]:
        """The full point, neuron i as row i."""
        p_own, p_s, p_r, q_own, q_r, q_s, x_s, x_r = self.values
        k, s = self.k, self.s
        special = [[(p_own if j == i else p_s) if j < s else p_r for j in range(k)] for i in range(s)]
        regular = [[q_s if j < s else (q_own if j == m else q_r) for j in range(k)] for m in range(s, k)]
        extra = [[x_s if j < s else x_r for j in range(k)]] if self.extra else []
        return [*special, *regular, *extra]


def _expand_split(p: torch.Tensor, k: int, s: int, extra: bool) -> torch.Tensor:
    p_own, p_s, p_r, q_own, q_r, q_s, x_s, x_r = p
    in_s = torch.arange(k) < s
    eye = torch.eye(k, dtype=DTYPE)
    special = torch.where(in_s, p_s + (p_own - p_s) * eye[:s], p_r)
    regular = torch.where(in_s, q_s, q_r + (q_own - q_r) * eye[s:])
    parts = [special, regular] + ([torch.where(in_s, x_s, x_r)[None, :]] if extra else [])
    return torch.cat(parts)


def split_minimum(
    k: int, s: int, start: tuple[float, ...], *, extra: bool = True, steps: int = 40
) -> tuple[float, ...]:
    """A critical point of F on the split family (`Split`) for teacher I_k, by `newton_on_family`
    from ``start`` (eight numbers). float64.

    Example (the stored k = 15 point is a fixed point of the iteration):
        >>> s, values = STORED_OVERPARAM[15]
        >>> found = split_minimum(15, s, tuple(float(v) for v in values))
        >>> max(abs(a - float(b)) for a, b in zip(found, values)) < 1e-12
        True
    """
    p = torch.tensor(start, dtype=DTYPE)
    found = newton_on_family(
        lambda q: _expand_split(q, k, s, extra), p, torch.eye(k, dtype=DTYPE), steps=steps
    )
    return tuple(float(v) for v in found)


def safran_shamir_overparam(k: int = 15) -> PopulationTrap:
    """A spurious local minimum of the Gaussian population loss with k + 1 student neurons fitting
    V = I_k (mild over-parameterisation, Safran, Yehudai & Shamir 2021), stored in split form; better
    point: the teacher plus a tiny neuron (`padded_teacher`).

    Raises:
        ConstructionError: no point is stored for ``k``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k not in STORED_OVERPARAM:
        stored = ", ".join(map(str, sorted(STORED_OVERPARAM)))
        raise ConstructionError(f"safran-shamir-overparam: parameter k: expected one of {stored}, got {k!r}")
    s, values = STORED_OVERPARAM[k]
    pop = teacher(k)
    point = Split(k, s, True, tuple(Fraction(v) for v in values))
    return PopulationTrap(
        sum_of_relus(k, k + 1),
        pop,
        student_point(point.rows()),
        padded_teacher(pop, k + 1),
        name=f"safran-shamir-overparam-k{k}",
        description=(
            f"a spurious local minimum of the Gaussian population loss with {k + 1} student neurons fitting "
            f"V = I_{k}: {s} special neurons, {k - s} regular ones and one extra (split form, eight numbers, "
            f"found by gradient descent from Xavier starts and Newton's method on the split family); better "
            f"point: the teacher plus a neuron of norm √2/1000"
        ),
        source=f"{SOURCE}; Safran, Yehudai & Shamir 2021 (mild over-parameterisation); the point is ours",
    )


@dataclass(frozen=True)
class PopulationFamily:
    """A registered family of population traps, listed by `badminima list`: ``builder`` makes the trap
    for an integer ``parameter`` (``expected`` says which values it takes)."""

    name: str
    summary: str
    source: str
    parameter: str
    default: int
    builder: Callable[[int], PopulationTrap]
    network: str
    expected: str

    def build(self, **params: object) -> PopulationTrap:
        """The trap at ``params`` (only ``k``)."""
        unknown = set(params) - {self.parameter}
        if unknown:
            raise ConstructionError(f"{self.name}: no parameter {sorted(unknown)[0]!r} (parameters: k)")
        raw = params.get(self.parameter, self.default)
        bad = ConstructionError(f"{self.name}: parameter k: expected {self.expected}, got {raw!r}")
        try:
            value = Fraction(str(raw))
        except ValueError:
            raise bad from None
        if value.denominator != 1:
            raise bad
        return self.builder(int(value))


FAMILIES: Mapping[str, PopulationFamily] = {
    "safran-shamir": PopulationFamily(
        "safran-shamir",
        "spurious minimum of the Gaussian population loss of k ReLUs fitting V = I (n = k), certified",
        SOURCE,
        "k",
        7,
        safran_shamir,
        "k-k-1 relu→identity, N(0, I_k)",
        "an integer >= 6",
    ),
    "safran-shamir-overparam": PopulationFamily(
        "safran-shamir-overparam",
        "spurious minimum with k + 1 student neurons fitting V = I_k (mild over-parameterisation), certified",
        SOURCE + "; Safran, Yehudai & Shamir 2021",
        "k",
        15,
        safran_shamir_overparam,
        "k-(k+1)-1 relu→identity, N(0, I_k)",
        "one of " + ", ".join(map(str, sorted(STORED_OVERPARAM))),
    ),
}
