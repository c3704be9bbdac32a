"""What the CLI prints for population traps: `evaluate`, `verify`, `list` entries and `reproduce` rows.

Kept apart from `badminima.cli` (which only dispatches here) so the population form's reports live in one
place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from badminima.errors import BadminimaError
from badminima.model.population import PopulationTrap

_LISTED = 12


def describe(trap: PopulationTrap) -> str:
    """One line: student, teacher and distribution, e.g. ``7-7-1 relu→identity (output weights fixed at
    1) fitting a 7-7-1 teacher on N(0, I_7)``."""
    pop = trap.population
    net = "-".join(map(str, trap.network.widths))
    teacher = "-".join(map(str, pop.teacher.widths))
    return (
        f"{net} relu→identity, no bias, output weights fixed at 1, fitting a {teacher} teacher "
        f"on N(0, I_{pop.dimension})"
    )


def _rows(point: Any) -> list[list[Fraction]]:
    return [list(r) for r in point.layers[0].W]


def evaluate_population(trap: PopulationTrap, *, which: str, backend: str, precision: int) -> dict[str, Any]:
    """Loss, gradient and (float) Hessian spectrum of the population loss at the trap's point or better
    point: a report, not a certificate.

    Raises:
        BadminimaError: ``backend`` is exact (the loss involves π and arccos), or ``which`` has no point.
    """
    import numpy as np
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.landscape.population import population_gradient, population_hessian, population_loss
    from badminima.verify.population import enclose_loss, gradient_balls

    if backend == "exact":
        raise BadminimaError(
            "--backend exact: a population loss involves π and arccos, no exact rational value; "
            "use --backend ball or float"
        )
    point = trap.point if which == "point" else trap.better
    if point is None:
        raise BadminimaError("better: missing; --which better needs a 'better' point")
    rows, teacher = _rows(point), [list(r) for r in trap.population.teacher_rows]
    start = time.perf_counter()
    W = torch.tensor([[float(v) for v in r] for r in rows], dtype=torch.float64)
    V = torch.tensor([[float(v) for v in r] for r in teacher], dtype=torch.float64)
    f = FloatArithmetic()
    if backend == "ball":
        loss_ball = enclose_loss(rows, teacher, precision=precision)
        loss, loss_float = loss_ball.str(20, radius=True), float(loss_ball.mid())
        grad = [float(g.mid()) for g in gradient_balls(rows, teacher, precision=precision)]
    else:
        value = float(population_loss(W, V, arith=f))
        loss, loss_float = repr(value), value
        grad = population_gradient(W, V, arith=f).reshape(-1).tolist()
    H = population_hessian(W, V, arith=f).numpy()
    eig = [float(e) for e in np.linalg.eigvalsh(H)] if np.all(np.isfinite(H)) else []
    return {
        "which": which,
        "backend": backend,
        "distribution": trap.population.distribution,
        "dimension": trap.population.dimension,
        "parameters": trap.n_params,
        "loss": loss,
        "loss_float": loss_float,
        "gradient_norm": float(np.linalg.norm(grad)),
        "gradient_max_abs": float(np.max(np.abs(grad))),
        "hessian_eigenvalues": eig,
        "hessian_backend": "float",
        "seconds": time.perf_counter() - start,
    }


def print_evaluation(doc: dict[str, Any], trap: PopulationTrap, path: str) -> None:
    """The human form of `evaluate_population`'s report."""
    eig = doc["hessian_eigenvalues"]
    shown = ", ".join(f"{e:.6g}" for e in eig[:_LISTED]) + (
        f", ... ({len(eig)} in all)" if len(eig) > _LISTED else ""
    )
    if not eig:
        shown = "unavailable (the float64 Hessian has non-finite entries at this point)"
    which = "better point" if doc["which"] == "better" else "point"
    print(
        "\n".join(
            [
                f"trap: {trap.name or path}  ({path}, evaluating its {which})",
                f"population: {describe(trap)}  ({trap.n_params} parameters)",
                f"backend: {doc['backend']}",
                f"loss ½E[(f − g)²]: {doc['loss']}  (≈ {doc['loss_float']:.10g})",
                f"gradient: norm {doc['gradient_norm']:.6g}, max |entry| {doc['gradient_max_abs']:.6g}",
                f"Hessian eigenvalues (float64, ascending): {shown}",
                f"time: {doc['seconds']:.3f} s",
            ]
        )
    )


def print_certificate(cert: Any, trap: PopulationTrap, path: str) -> None:
    """The human form of a population certificate."""

    def q(x: Fraction | None) -> str:
        return "—" if x is None else f"{float(x):.6g}"

    out = [f"trap: {trap.name or path}  ({path})"]
    out.append(f"population: {describe(trap)}  ({trap.n_params} parameters)")
    out.append(f"verdict: {cert.verdict.value}  (rigor: {cert.rigor}, method: {cert.method})")
    out.append(f"why: {cert.reason}")
    out.append(f"loss at the point: {cert.loss}")
    if cert.loss_lower is not None:
        lo, hi = float(cert.loss_lower), float(cert.loss_upper)
        what = "minimiser" if cert.verdict.is_minimum else "critical point"
        out.append(f"loss of the certified {what}: in [{lo:.12g}, {hi:.12g}]")
    if cert.witness_loss_upper is not None:
        out.append(
            f"lower point (witness, in --json): loss ≤ {float(cert.witness_loss_upper):.17g}  (proved)"
        )
    if cert.better_loss is not None:
        out.append(f"better point's loss: {cert.better_loss}")
        out.append(f"proved gap (lowest loss in the box − better loss) ≥ {q(cert.gap_lower)}")
    if cert.box_radius is not None:
        out.append(
            f"box radius: {q(cert.box_radius)}  (∞-norm, around the given point; the proof ran on radius "
            f"{q(cert.proof_radius)} around box_center, in --json)"
        )
    if cert.min_eigenvalue_bound is not None:
        where = (
            "at the certified minimiser (proved block by block, see why)"
            if cert.method == "population-symmetry"
            else "on the whole proof box (proved)"
        )
        out.append(f"Hessian ≥ {q(cert.min_eigenvalue_bound)}·I {where}")
    d = cert.diagnostics
    if d is not None:
        eig = ", ".join(f"{e:.6g}" for e in d.hessian_eigenvalues[:_LISTED])
        more = f", ... ({len(d.hessian_eigenvalues)} in all)" if len(d.hessian_eigenvalues) > _LISTED else ""
        out.append("numerical diagnostics (float64, not a proof):")
        out.append(f"  gradient norm {d.gradient_norm:.6g}; Hessian eigenvalues {eig or 'not defined'}{more}")
    out.append(f"time: {cert.seconds:.3f} s")
    print("\n".join(out))


def verify_file(trap: PopulationTrap, path: str, *, as_json: bool, literal: bool, dense: bool) -> int:
    """`badminima verify` on a population trap."""
    from badminima.verify.population import certify_population

    cert = certify_population(trap, literal=literal, dense=dense)
    if as_json:
        print(json.dumps({"file": path, "name": trap.name, **cert.to_json()}, indent=2, allow_nan=False))
    else:
        print_certificate(cert, trap, path)
    return 0


def list_entries() -> list[dict[str, Any]]:
    """The population families as `badminima list` shows them."""
    from badminima.constructions.safran_shamir import FAMILIES

    return [
        {
            "name": fam.name,
            "kind": "population",
            "network": f"{fam.network}, k = {fam.default} by default",
            "summary": fam.summary,
            "source": fam.source,
            "parameters": {fam.parameter: str(fam.default)},
        }
        for fam in FAMILIES.values()
    ]


REPRODUCED = tuple(range(6, 21))
"""The k whose stored minimum `badminima reproduce` certifies (the paper's range, 6 ≤ k ≤ 20)."""


def reproduce_rows(progress: Callable[[str], None] | None = None) -> list[Any]:
    """One `reproduce` row per k in `REPRODUCED`, then one per stored over-parameterised minimum
    (k + 1 student neurons): the stored point certified (no search needed)."""
    from badminima.constructions.reproduction import Row
    from badminima.constructions.safran_shamir import (
        PUBLISHED_K7_LOSS,
        SOURCE,
        STORED_OVERPARAM,
        safran_shamir,
        safran_shamir_overparam,
    )
    from badminima.verify.population import certify_population

    rows = []
    traps = [safran_shamir(k) for k in REPRODUCED] + [
        safran_shamir_overparam(k) for k in sorted(STORED_OVERPARAM)
    ]
    for trap in traps:
        k = trap.population.dimension
        assert trap.name is not None
        if progress is not None:
            progress(trap.name)
        start = time.perf_counter()
        cert = certify_population(trap)
        seconds = time.perf_counter() - start
        paper: dict[str, str] = {}
        matches: bool | None = None
        if k == 7 and trap.network.widths[1] == 7:
            paper = {"loss": PUBLISHED_K7_LOSS}
            target = Fraction(PUBLISHED_K7_LOSS)
            bounds = (cert.loss_lower, cert.loss_upper)
            close = [b is not None and abs(b - target) < Fraction(5, 10**11) for b in bounds]
            matches = all(close)
        rows.append(
            Row(
                name=trap.name,
                network=f"{k}-{trap.network.widths[1]}-1 relu→identity, population N(0, I_{k})",
                points=None,
                kind="population-trap",
                verdict=cert.verdict.value,
                rigor=cert.rigor,
                method=cert.method,
                loss=cert.loss,
                better_loss=cert.better_loss,
                gap_lower=cert.gap_lower,
                accuracy=None,
                better_accuracy=None,
                paper=paper,
                provenance=(
                    f"{SOURCE}: the model and the k = 7 point are the paper's; the points for other k are "
                    f"ours (Newton's method on the paper's symmetric family, stored in compact form)"
                    if trap.network.widths[1] == k
                    else f"{trap.source}: loss ½E[(f − g)²] over x ~ N(0, I_{k}), {k + 1} student neurons, "
                    f"better point the teacher plus a tiny neuron; the point was found by gradient descent "
                    f"and Newton's method on the split family (stored in split form)"
                ),
                matches_paper=matches,
                seconds=seconds,
                reason=cert.reason,
                extra={
                    "parameters": str(trap.n_params),
                    "min_eigenvalue_bound": f"{float(cert.min_eigenvalue_bound or 0):.4g}",
                },
            )
        )
    return rows
