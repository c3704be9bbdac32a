"""How the search's multistart ends, per architecture: the share of starts at a critical point, escaping
to infinity, diverged and unconverged, with the search's default starts, optimiser and stopping rules.

Workload (issue #16): G random 10-point datasets with 0/1 labels on the grid {−3..3}^d0
(``random_dataset(DatasetSpec(10, d0, extent=3), candidate_rng(7, i))``), K starts each, trained by
``multistart_many`` in one process with torch single-threaded, with the settings a default
``SearchSettings`` holds (``init``, ``optimizer``, ``stopping``). Prints one Markdown table row per
network (the README's "How the starts end" table). Run it against another checkout of the code (an
older one: ``PYTHONPATH=OLD/src python benchmarks/search_convergence.py``) to compare before and after.

    python benchmarks/search_convergence.py [--datasets 16] [--starts 256] [--only 2-3-1-sigmoid ...]
"""

from __future__ import annotations

import argparse
import time

import torch

from badminima import Network
from badminima.search import DatasetSpec, SearchSettings, multistart_many
from badminima.search.proposals import candidate_rng, random_dataset, to_dataset

ENDS = ("critical", "escaped", "diverged", "unconverged")
NETWORKS = {
    f"{'-'.join(map(str, w))}-{act}{'-bce' if loss == 'bce' else ''}": Network(
        w, act, output="sigmoid" if loss == "bce" else "identity", loss=loss
    )
    for w, act, loss in [
        *(((2, h, 1), act, "mse") for act in ("sigmoid", "tanh") for h in (2, 3, 4)),
        ((3, 3, 1), "sigmoid", "mse"),
        ((3, 3, 1), "tanh", "mse"),
        *(((2, h, 1), act, "bce") for act in ("sigmoid", "tanh") for h in (2, 3, 4)),
        ((3, 3, 1), "sigmoid", "bce"),
        ((3, 3, 1), "tanh", "bce"),
    ]
}


def ends(network: Network, datasets: int, starts: int) -> tuple[dict[str, int], float, float]:
    """The counts of each end over ``datasets`` × ``starts`` starts, and the wall and CPU seconds they
    took (CPU time is the fairer measure on a machine shared with other work)."""
    spec = DatasetSpec(10, network.widths[0], extent=3)
    settings = SearchSettings(network, spec)
    data = [to_dataset(spec, *random_dataset(spec, candidate_rng(7, i))) for i in range(datasets)]
    t0, c0 = time.perf_counter(), time.process_time()
    runs = multistart_many(
        network,
        data,
        starts,
        seeds=range(datasets),
        init=settings.init,
        optimizer=settings.optimizer,
        stopping=settings.stopping,
    )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {end: sum(r.count(end) for r in runs) for end in ENDS}, seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=16)
    parser.add_argument("--starts", type=int, default=256)
    parser.add_argument("--only", nargs="*", choices=sorted(NETWORKS), default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{args.datasets} datasets x {args.starts} starts per network, one thread")
    print("| network | loss | critical | escaping | diverged | unconverged | seconds | CPU seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.only or NETWORKS:
        net = NETWORKS[name]
        counts, seconds, cpu = ends(net, args.datasets, args.starts)
        total = sum(counts.values())
        shares = " | ".join(f"{100 * counts[e] / total:.1f}%" for e in ENDS[:3])
        arch = (
            "-".join(map(str, net.widths)) + f" {net.activation}" + ("→sigmoid" if net.loss == "bce" else "")
        )
        unconverged = 100 * counts["unconverged"] / total
        print(
            f"| {arch} | {net.loss} | {shares} | **{unconverged:.1f}%** | {seconds:.0f} | {cpu:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
