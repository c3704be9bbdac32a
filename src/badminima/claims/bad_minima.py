""" "Neural networks have no bad local minima on finite datasets" — false, with certified witnesses.

The folklore claim (every local minimum of the training loss is global) is refuted by the paper's
constructions (Swirszcz, Czarnecki & Pascanu 2016), each certified by `certify` as ``bad-local-min``.
The check also hunts for new counterexamples: hypothesis draws small one-hidden-layer (leaky) ReLU
regression problems, gradient descent from random starts finds candidate minima, each is snapped to
its activation region's exact least-squares optimum (`badminima.landscape.region_fit`) and certified exactly
against the best end point. The first certified one is shrunk by hypothesis — fewer points, simpler
numbers — re-snapping the found points on each simpler dataset and re-certifying, so the
counterexample that comes back is small *and* proved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Claim,
    Finding,
    Found,
    Outcome,
    Settings,
    Undecided,
    hunt,
)
from badminima.claims.minima import Candidate, MinimaSearch, certify_minima, find_minima
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap
from badminima.strategies import datasets, networks

PAPER = "Swirszcz, Czarnecki & Pascanu 2016, arXiv:1611.06310"
STARTS = 24
STEPS = 600
SHRINKS = {"ci": 20, "dev": 120, "thorough": 1000}
"""Simpler datasets tried when shrinking a counterexample (each costs a snap and an exact certify)."""


def problems(
    min_points: Callable[[Network], int] = lambda net: 3,
) -> st.SearchStrategy[tuple[Network, Dataset]]:
    """One hidden layer of 2-3 ReLU or leaky-ReLU units with biases, 1-2 inputs, one identity output
    and mse, on ``min_points(network)``..6 distinct points with small rational inputs and targets."""
    nets = networks(
        activations=("relu", "leaky_relu"),
        min_hidden_layers=1,
        max_hidden_layers=1,
        min_width=2,
        max_width=3,
        max_inputs=2,
        max_outputs=1,
        outputs=("identity",),
        losses=("mse",),
        bias=True,
    )
    return nets.flatmap(
        lambda net: st.tuples(
            st.just(net), datasets(net, min_points=min_points(net), max_points=6, task="regression")
        )
    )


def paper_witnesses() -> tuple[list[CertifiedTrap], list[str]]:
    """Every paper construction that is a trap, certified; and an evidence line per construction."""
    from badminima.constructions.registry import REGISTRY
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    witnesses, lines = [], []
    for c in REGISTRY.values():
        if c.kind == "dataset":
            continue
        trap = c.build()
        cert = certify(trap)
        gap = "" if cert.gap_lower is None else f", loss gap ≥ {float(cert.gap_lower):.3g}"
        lines.append(f"{c.name} ({c.source}): {cert.verdict.value} ({cert.rigor}{gap})")
        if cert.verdict is Verdict.BAD_LOCAL_MIN:
            witnesses.append(CertifiedTrap(trap, cert, f"certify: {cert.reason}"))
    return witnesses, lines


def _certified(net: Network, data: Dataset, bad: Point, better: Point, how: str) -> Found | None:
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    trap = Trap(
        net,
        data,
        bad,
        better,
        name="no-bad-local-minima-counterexample",
        description=f"a bad local minimum {how}",
        source="badminima claims check no-bad-local-minima",
    )
    cert = certify(trap)
    if cert.verdict is not Verdict.BAD_LOCAL_MIN:
        return None
    assert cert.gap_lower is not None
    label = (
        f"bad local minimum of {net.describe()} on {data.n_points} points, loss gap ≥ "
        f"{float(cert.gap_lower):.3g} (exact)"
    )
    return Found(label, CertifiedTrap(trap, cert, f"certify: {cert.reason}"))


def examiner() -> Callable[[tuple[Network, Dataset]], Finding]:
    """The per-example check. Once a counterexample is found, hypothesis only shrinks, and each simpler
    dataset is tried by re-snapping the found minimum and better point on it (cheap and exact)."""
    memory: dict[str, Any] = {}

    def examine(problem: tuple[Network, Dataset]) -> Finding:
        import numpy as np

        from badminima.landscape.region_fit import snap
        from badminima.search.starts import Init, Optimizer, Stopping

        net, data = problem
        if "found" in memory:
            old: Trap = memory["found"]
            if net != old.network:
                return Agrees("shrunk to another network")
            moved = snap(net, data, old.point)
            assert old.better is not None
            better = snap(net, data, old.better) or old.better
            found = None if moved is None else _certified(net, data, moved, better, "shrunk by hypothesis")
            if found is not None:
                memory["found"] = found.trap.trap
            return found if found is not None else Agrees("not a counterexample after shrinking")
        search = MinimaSearch(STARTS, Init("normal", 1.0), Optimizer("gd", 0.05), Stopping(max_steps=STEPS))
        seen = find_minima(net, data, search=search)
        if not np.isfinite(seen.landscape.best_loss):
            return Undecided("every start diverged")
        best = seen.best.point
        better = snap(net, data, best) or best
        bad = seen.above(seen.landscape.best_loss, gap=1e-6)
        if not bad:
            return Agrees(f"no bad minimum among {STARTS} gradient-descent end points")

        def judge(candidate: Candidate) -> Found | None:
            point = snap(net, data, candidate.point)
            if point is None:
                return None
            return _certified(net, data, point, better, "found by gradient descent")

        found = certify_minima(judge, bad, tries=3).settled
        if found is not None:
            memory["found"] = found.trap.trap
            return found
        return Undecided("candidate bad minima were not certified")

    return examine


def _run(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    witnesses, lines = paper_witnesses()
    h = hunt(
        problems(),
        examiner(),
        settings,
        max_shrinks=SHRINKS[settings.profile],
        progress=progress,
    )
    lines = [f"paper constructions ({PAPER}), certified:", *(f"  {x}" for x in lines)]
    if h.found is None:
        lines.append(f"the hypothesis search certified no new counterexample in {h.examples} example(s)")
    out = h.outcome(claim, evidence=lines, witnesses=witnesses)
    if out.counterexample is None and witnesses:
        # The paper's witnesses refute the claim on their own.
        out = replace(
            out,
            status="counterexample",
            counterexample=witnesses[0],
            witnesses=tuple(witnesses[1:]),
            reason=f"certified counterexamples: {len(witnesses)} of the paper's constructions; {out.reason}",
        )
    return out


CLAIMS = (
    Claim(
        name="no-bad-local-minima",
        title="neural networks have no bad local minima on finite datasets (false)",
        source=f"folklore; refuted by {PAPER}",
        statement=(
            "every local minimum of the training loss of a feed-forward network on a finite dataset is a "
            "global minimum"
        ),
        hypotheses=(
            "a finite dataset and a fixed architecture (here: the paper's constructions, and one hidden "
            "layer of 2-3 ReLU/leaky-ReLU units, 1-2 inputs, mse, 3-6 distinct rational points)",
            "a bad local minimum: a local minimum with a strictly better point elsewhere, both certified",
        ),
        quantifier="all",
        kind="certified",
        expected="counterexample",
        examples={"ci": 3, "dev": 10, "thorough": 100},
        run=_run,
    ),
)
