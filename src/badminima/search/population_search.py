"""A population search: Safran & Shamir's gradient-descent experiment, its distinct spurious minima
certified and committed to the catalogue as they are found.

The runs go in batches (the catalogue's candidates: batch c draws its Xavier starts from seed
(seed, c), so a killed search resumes at the first batch not recorded). Each batch's spurious end points
are clustered (`badminima.search.population`, the package's `cluster_points`) together with the points
of the population entries already in the catalogue for the same teacher and student; a cluster that
holds an earlier entry is that entry again and is not stored twice. Every new distinct minimum becomes
a `PopulationTrap` (the float end point written exactly, the better point `padded_teacher`) and is
certified by `badminima.verify.population.certify_population`: ``certified`` when the verdict is
``bad-local-min``, ``uncertified`` otherwise (the certificate says why).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import torch

from badminima.arithmetic.floating import DTYPE
from badminima.constructions.safran_shamir import teacher
from badminima.errors import ResumeError, SettingsError
from badminima.landscape.population import batched_population_losses
from badminima.model.population import (
    Population,
    PopulationTrap,
    padded_teacher,
    student_point,
    sum_of_relus,
)
from badminima.search.catalogue import CERTIFIED, UNCERTIFIED, Catalogue, NewTrap
from badminima.search.clustering import wilson_interval
from badminima.search.population import GLOBAL_LOSS, cluster_ends, descend, xavier
from badminima.search.population_orbits import coordinate_symmetries
from badminima.verify.population import certify_population


@dataclass(frozen=True)
class PopulationSearch:
    """What a population search did: runs by end over the batches it ran (``skipped``: batches already
    recorded by an earlier run with these settings), and the catalogue ids of new entries."""

    k: int
    student: int
    batches: int
    skipped: int
    runs: int
    global_runs: int
    spurious_runs: int
    unconverged_runs: int
    new_entries: tuple[int, ...]
    repeated: int

    @property
    def share(self) -> float:
        """Runs ending in a spurious minimum, over the runs of the batches run here."""
        return self.spurious_runs / self.runs if self.runs else 0.0


def _is_identity(pop: Population) -> bool:
    return pop.teacher_rows == teacher(pop.dimension).teacher_rows


def _teacher_key(pop: Population) -> str:
    """``identity k`` for V = I_k (the key earlier searches recorded), else a digest of the exact
    distribution, dimension and teacher rows in their order."""
    if _is_identity(pop):
        return f"identity {pop.dimension}"
    text = json.dumps(
        [pop.distribution, pop.dimension, [[str(v) for v in r] for r in pop.teacher_rows]],
        separators=(",", ":"),
    )
    return "sha256 " + hashlib.sha256(text.encode()).hexdigest()


def settings_of(
    k: int, student: int, *, batch: int, tol: float, max_steps: int, population: Population | None = None
) -> dict[str, object]:
    """The catalogue settings of a population search (what ``--resume`` matches); the teacher is
    ``population``'s (default V = I_k)."""
    return {
        "kind": "population",
        "distribution": "gaussian" if population is None else population.distribution,
        "teacher": f"identity {k}" if population is None else _teacher_key(population),
        "student": student,
        "batch": batch,
        "tol": tol,
        "max_steps": max_steps,
    }


def _trap(pop: Population, rows: torch.Tensor, label: str) -> PopulationTrap:
    exact = [[Fraction(float(v)) for v in r] for r in rows.tolist()]
    k, n = len(pop.teacher_rows), pop.dimension
    fitting = (
        f"the teacher V = I_{k}" if _is_identity(pop) else f"the teacher of {label} ({k} neurons on R^{n})"
    )
    return PopulationTrap(
        sum_of_relus(n, len(exact)),
        pop,
        student_point(exact),
        padded_teacher(pop, len(exact)),
        name=f"population-{label}-n{len(exact)}",
        description=(
            f"a spurious end point of gradient descent (Xavier starts, step 5/k) on Safran & Shamir's "
            f"Gaussian population loss, {len(exact)} student neurons fitting {fitting}"
        ),
        source="badminima population search",
    )


def _same_landscape(a: Population, b: Population) -> bool:
    """The same distribution, dimension and teacher up to the order of its neurons (F is the same)."""
    return (a.distribution, a.dimension) == (b.distribution, b.dimension) and sorted(
        a.teacher_rows
    ) == sorted(b.teacher_rows)


def _known_points(catalogue: Catalogue, pop: Population, student: int) -> list[torch.Tensor]:
    points = []
    for entry in catalogue.entries():
        trap = entry.trap
        if (
            isinstance(trap, PopulationTrap)
            and trap.network.widths[1] == student
            and _same_landscape(trap.population, pop)
        ):
            points.append(torch.tensor([[float(v) for v in r] for r in trap.point.layers[0].W], dtype=DTYPE))
    return points


def search_population(
    k: int,
    catalogue: Catalogue,
    *,
    runs: int,
    student: int | None = None,
    batch: int = 50,
    seed: int = 0,
    tol: float = 1e-12,
    max_steps: int = 60_000,
    resume: bool = False,
    report: Callable[[str], None] | None = None,
    population: Population | None = None,
    label: str | None = None,
) -> PopulationSearch:
    """Run ``runs`` GD runs (in batches of ``batch``) on the population loss of a ``student``-neuron
    sum of ReLUs (default k) fitting V = I_k — or the teacher of ``population``, any k × n matrix, k
    its neurons and n its dimension (Xavier starts for a student × n layer, step min(5/k, 1)) — and
    commit each new distinct spurious minimum, certified against the teacher (`padded_teacher` when
    the student is wider), to ``catalogue``. End points are clustered modulo the neurons and the
    coordinate permutations this teacher allows (`population_orbits.coordinate_symmetries`). ``label``
    names the entries (``population-LABEL-nWIDTH``; default ``k{k}``). ``resume`` continues the latest
    run with the same settings, teacher and seed.

    Raises:
        ResumeError: ``resume`` without an earlier run of these settings and seed.
        SettingsError: k < 2, k not the teacher's number of neurons, a student narrower than the
            teacher (or wider than k + n − 1, where `padded_teacher` has no better point), runs or
            batch < 1.

    Example:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp, Catalogue.open(pathlib.Path(tmp) / "c.sqlite") as cat:
        ...     found = search_population(8, cat, runs=4, seed=8, tol=1e-8, max_steps=3000)
        ...     found.runs == found.global_runs + found.spurious_runs + found.unconverged_runs
        True
    """
    width = k if student is None else student
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise SettingsError(f"k: expected an integer >= 2, got {k!r}")
    pop = teacher(k) if population is None else population
    n = pop.dimension
    if len(pop.teacher_rows) != k:
        raise SettingsError(f"k: expected the teacher's number of neurons, {len(pop.teacher_rows)}, got {k}")
    if not k <= width <= k + n - 1:
        raise SettingsError(
            f"student: expected between k = {k} and k + n − 1 = {k + n - 1} neurons, got {width}"
        )
    if runs < 1 or batch < 1:
        raise SettingsError(f"runs, batch: expected positive integers, got {runs}, {batch}")
    settings = settings_of(k, width, batch=batch, tol=tol, max_steps=max_steps, population=population)
    run_id = catalogue.latest_run(settings, seed) if resume else None
    if resume and run_id is None:
        raise ResumeError(
            f"resume: {catalogue.path} has no population run with these settings and seed {seed} "
            "(give the same options as the run to continue, or leave out --resume to start one)"
        )
    if run_id is None:
        run_id = catalogue.start_run(settings, seed)
    done = {c for c, _ in catalogue.evaluations(run_id)}
    V = torch.tensor([[float(v) for v in r] for r in pop.teacher_rows], dtype=DTYPE)
    symmetry = coordinate_symmetries(pop.teacher_rows)
    label = f"k{k}" if label is None else label
    totals = dict(runs=0, global_runs=0, spurious_runs=0, unconverged_runs=0)
    new_ids: list[int] = []
    repeated = 0
    batches = -(-runs // batch)
    for c in range(batches):
        if c in done:
            continue
        size = min(batch, runs - c * batch)
        gen = torch.Generator().manual_seed(seed * 1_000_003 + c)
        end = descend(
            xavier(width, n, size, generator=gen), V, step=min(5.0 / k, 1.0), tol=tol, max_steps=max_steps
        )
        converged = end.converged(tol)
        losses = batched_population_losses(end.W, V)
        spurious = converged & (losses > GLOBAL_LOSS)
        index = torch.nonzero(spurious).flatten()
        known = _known_points(catalogue, pop, width)
        ends = torch.cat([end.W[index], *(p[None] for p in known)]) if known else end.W[index]
        end_losses = batched_population_losses(ends, V) if len(ends) else losses[:0]
        clusters = cluster_ends(ends, end_losses, symmetry)
        traps: list[NewTrap] = []
        for cl in clusters:
            fresh = [m for m in cl.members if m < len(index)]
            if len(fresh) < cl.count:  # an entry already in the catalogue
                repeated += bool(fresh)
                continue
            trap = _trap(pop, ends[cl.index], label)
            cert = certify_population(trap)
            ok = cert.verdict.value == "bad-local-min"
            traps.append(
                NewTrap(
                    trap,
                    CERTIFIED if ok else UNCERTIFIED,
                    cert.to_json(),
                    loss_gap=float(cert.gap_lower) if ok and cert.gap_lower is not None else None,
                    basin_share=len(fresh) / size,
                    basin_interval=wilson_interval(len(fresh), size),
                )
            )
            if report is not None:
                report(f"batch {c}: a spurious minimum, loss {cl.loss:.6g}, {cert.verdict.value}")
        counts = dict(
            runs=size,
            global_runs=int((converged & ~spurious).sum()),
            spurious_runs=int(spurious.sum()),
            unconverged_runs=int((~converged).sum()),
        )
        summary = {**counts, "distinct": len(clusters), "repeated": repeated}
        new_ids += catalogue.record(run_id, c, summary, traps)
        for key, value in counts.items():
            totals[key] += value
    return PopulationSearch(
        k=k,
        student=width,
        batches=batches,
        skipped=len(done & set(range(batches))),
        new_entries=tuple(new_ids),
        repeated=repeated,
        **totals,
    )
