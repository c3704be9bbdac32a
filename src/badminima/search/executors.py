"""Where candidate evaluations run: in this process, in a local process pool, or on a Dask cluster.

Each executor maps a top-level function over argument tuples and yields results as they finish; the
search records each result as it arrives, so order does not matter for what is stored, and the
proposals never depend on it (they use only finished generations).

Pool and Dask workers run torch single-threaded: one evaluation per core beats threads fighting over the
cores (engineering notes, "Multistart speed"). Closing an executor stops it promptly: calls not started are
cancelled and calls still running are abandoned (their candidates are not recorded, so a resumed search
evaluates them again).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from badminima.errors import ExecutorError

EXECUTORS = ("local", "dask")

Results = Generator[Any, None, None]
"""What `Executor.map_unordered` yields: each call's result as it finishes; closing it cancels the rest."""

# How long a search waits for a Dask scheduler it is pointed at (a reachable one answers at once).
SCHEDULER_TIMEOUT = 10.0


class Executor(Protocol):
    """Runs ``fn(*args)`` for each argument tuple; ``workers`` says how many run at once."""

    workers: int

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Results: ...

    def close(self) -> None: ...


class InProcess:
    """One call at a time in this process, torch single-threaded while it runs: on the search's small
    tensors intra-op threads cost more than they give (48 candidates of the 2-2-1 sigmoid search took
    40 s with torch's 2 threads, 15 s with one, on 2 cores)."""

    workers = 1

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Results:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for args in calls:
                yield fn(*args)
        finally:
            torch.set_num_threads(threads)

    def close(self) -> None:
        pass


def _pool_worker() -> None:
    import torch

    torch.set_num_threads(1)
    # Ctrl-C in a terminal reaches the whole process group; the parent stops the pool, so a worker
    # must not die on it first (and print a traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (``kill -9`` of the search would otherwise
    leave the pool running); elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)


class ProcessPool:
    """A local pool of ``workers`` processes (spawned, each single-threaded; each pays about a second to
    import torch once)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._futures: list[Future[Any]] = []
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_pool_worker
        )

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Results:
        futures: list[Future[Any]] = [self._pool.submit(fn, *args) for args in calls]
        self._futures = futures
        try:
            for done in as_completed(futures):
                yield done.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        if not any(not f.done() for f in self._futures):
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        # A call is still running (the search was interrupted or ran out of time): concurrent.futures
        # cannot stop it before Python 3.14 (terminate_workers), and waiting could take minutes.
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run in each worker of a local cluster as it starts: ignore SIGINT, which a
    Ctrl-C in the terminal sends to the whole process group (the search stops the cluster itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _single_threaded_call(fn: Callable[..., Any], *args: Any) -> Any:
    import torch

    torch.set_num_threads(1)
    return fn(*args)


def _require_distributed() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecutorError(
            "executor: 'dask' needs the distributed package; install it with "
            "pip install 'badminima[cluster]' (or pip install distributed)"
        ) from None


def _probe(address: str, timeout: float) -> None:
    """Fail fast, with a clear message, where nothing listens at a TCP ``address`` (Dask would retry
    until its timeout and then say only that it timed out)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise ExecutorError(
            f"scheduler: expected an address like tcp://HOST:8786, got {address!r} ({exc})"
        ) from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ExecutorError(f"scheduler: cannot reach the Dask scheduler at {address!r} ({reason})") from None


class DaskCluster:
    """Candidate evaluations as tasks on a Dask cluster: the scheduler at ``address``, or, with no
    address, a local cluster of ``workers`` single-threaded worker processes started here, listening on
    the loopback interface only (needs ``pip install "badminima[cluster]"``).

    A local cluster spawns its workers, so a script that uses one must start the search under
    ``if __name__ == "__main__":``. Starting one takes about 1.5 s on two cores, plus a second per
    worker for its first torch import. Workers of a remote cluster need badminima installed.

    Raises:
        ExecutorError: distributed is not installed, or the scheduler cannot be reached.
    """

    def __init__(
        self, workers: int, address: str | None = None, *, timeout: float = SCHEDULER_TIMEOUT
    ) -> None:
        _require_distributed()
        import logging

        from distributed import Client, LocalCluster

        self._cluster: Any = None
        self._client: Any = None
        try:
            if address is None:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    preload=[__name__],
                )
                self._client = Client(self._cluster)
            else:
                _probe(address, timeout)
                try:
                    self._client = Client(address, timeout=timeout)
                except (OSError, ValueError) as exc:
                    raise ExecutorError(
                        f"scheduler: cannot reach the Dask scheduler at {address!r} ({exc})"
                    ) from None
        except BaseException:
            self.close()
            raise
        self.workers = max(1, sum(self._client.nthreads().values()) or workers)
        self._abandoned = False  # a task was still running when its results were no longer wanted

    def map_unordered(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> Results:
        from distributed import as_completed as dask_completed

        futures = [self._client.submit(_single_threaded_call, fn, *args, pure=False) for args in calls]
        try:
            for done in dask_completed(futures):
                try:
                    yield done.result()
                except ImportError as exc:
                    raise ExecutorError(
                        f"executor: a Dask worker cannot import what the search needs ({exc}); "
                        "install badminima where the workers run"
                    ) from None
        finally:
            self._abandoned = self._abandoned or not all(f.done() for f in futures)
            for f in futures:
                f.cancel()

    def close(self) -> None:
        if self._cluster is not None and getattr(self, "_abandoned", False):
            # A cancelled task runs on in its worker, and a local cluster's graceful close waits about
            # 4 s for it: kill this cluster's own worker processes instead (their results are unwanted).
            for nanny in list(self._cluster.workers.values()):
                with contextlib.suppress(OSError, TypeError):
                    os.kill(nanny.pid, signal.SIGKILL)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def check_executor(kind: str = "local", *, workers: int = 1, address: str | None = None) -> None:
    """Refuse options `make_executor` cannot honour, before anything is started or written: the
    command line calls it before it opens the catalogue.

    Raises:
        ExecutorError: an unknown kind, fewer than one worker, or a scheduler address without dask.
        ExecutorError: ``dask`` without the distributed package, or nothing listening at ``address``.
    """
    if kind not in EXECUTORS:
        raise ExecutorError(f"executor: expected one of {', '.join(EXECUTORS)}, got {kind!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ExecutorError(f"workers: expected at least 1, got {workers!r}")
    if kind != "dask" and address is not None:
        raise ExecutorError(
            f"scheduler: an address ({address!r}) is only meaningful with the dask executor (--executor dask)"
        )
    if kind == "dask":
        _require_distributed()
        if address is not None:
            _probe(address, SCHEDULER_TIMEOUT)


def make_executor(kind: str = "local", *, workers: int = 1, address: str | None = None) -> Executor:
    """``local`` with one worker runs in this process; more workers make a process pool; ``dask``
    uses the scheduler at ``address`` or starts a local Dask cluster of ``workers`` processes.

    Raises:
        ExecutorError: options `check_executor` refuses.
        ExecutorError: no distributed package, or an unreachable scheduler.
    """
    check_executor(kind, workers=workers, address=address)
    if kind == "dask":
        return DaskCluster(workers, address)
    return InProcess() if workers == 1 else ProcessPool(workers)
