"""Where candidate evaluations run: in this process, in a local process pool, or on a Dask cluster.

Each executor maps a top-level function over argument tuples and yields results as they finish; the
search records each result as it arrives, so order does not matter for what is stored, and the
proposals never depend on it (they use only finished generations).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from badminima.errors import InvalidModelError

EXECUTORS = ("local", "dask")


class Executor(Protocol):
    """Runs ``fn(*args)`` for each argument tuple; ``workers`` says how many run at once."""

    workers: int

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcess:
    """One call at a time in this process (the default: on few cores one big batch beats a pool)."""

    workers = 1

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        for args in calls:
            yield fn(*args)

    def close(self) -> None:
        pass


def _single_threaded() -> None:
    import torch

    torch.set_num_threads(1)


class ProcessPool:
    """A local pool of ``workers`` processes (spawned, each single-threaded; each pays about a second to
    import torch once)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_single_threaded
        )

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        futures: list[Future[Any]] = [self._pool.submit(fn, *args) for args in calls]
        try:
            for done in as_completed(futures):
                yield done.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """Candidate evaluations as tasks on a Dask cluster: the scheduler at ``address``, or, with no
    address, a local cluster of ``workers`` single-threaded processes started here (needs
    ``pip install "badminima[cluster]"``)."""

    def __init__(self, workers: int, address: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InvalidModelError(
                "executor: 'dask' needs the distributed package; install it with "
                "pip install 'badminima[cluster]' (or pip install distributed)"
            ) from None
        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(address, timeout=30)
            except OSError as exc:
                raise InvalidModelError(
                    f"scheduler: cannot reach the Dask scheduler at {address!r}: {exc}"
                ) from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or workers)

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        from distributed import as_completed as dask_completed

        futures = [self._client.submit(fn, *args, pure=False) for args in calls]
        try:
            for done in dask_completed(futures):
                yield done.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str = "local", *, workers: int = 1, address: str | None = None) -> Executor:
    """``local`` with one worker runs in this process; more workers make a process pool; ``dask``
    uses the scheduler at ``address`` or starts a local Dask cluster."""
    if kind not in EXECUTORS:
        raise InvalidModelError(f"executor: expected one of {', '.join(EXECUTORS)}, got {kind!r}")
    if workers < 1:
        raise InvalidModelError(f"workers: expected at least 1, got {workers}")
    if kind == "dask":
        return DaskCluster(workers, address)
    if address is not None:
        raise InvalidModelError("scheduler: only meaningful with --executor dask")
    return InProcess() if workers == 1 else ProcessPool(workers)
