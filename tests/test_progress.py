"""Progress lines: redrawn with rate and ETA on a terminal, a plain line every PLAIN_INTERVAL seconds
otherwise, nothing for quick work; the size warning before large work."""

from __future__ import annotations

import io
import re
import threading
from fractions import Fraction

import pytest
from hypothesis import given, settings

from badminima import progress
from badminima.progress import Heartbeat, Progress, size_warning
from badminima.strategies import traps


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progress.time, "perf_counter", c)
    monkeypatch.delenv("CI", raising=False)
    return c


def test_plain_lines_every_interval_with_rate_and_time_left(clock):
    stream = io.StringIO()
    p = Progress("check", unit="examples", stream=stream)
    clock.now += 5
    p(5, 20)  # before the first interval: silent
    assert stream.getvalue() == ""
    clock.now += 5
    p(10, 20)  # 10 done in 10 s: 1/s, 10 left -> 10 s
    assert stream.getvalue() == "check: 10/20 examples, 1/s, 10 s elapsed, 10 s left\n"
    clock.now += 1
    p(11, 20)
    assert stream.getvalue().count("\n") == 1  # next line only after another interval


def test_terminal_redraws_one_line_with_a_bar_and_eta_and_clears_it(clock):
    stream = Terminal()
    p = Progress("check", unit="examples", stream=stream)
    clock.now += 4
    p(8, 16)  # 2/s, 8 left -> ETA 4 s
    assert stream.getvalue().startswith("\rcheck [##########..........] 8/16 examples · 2/s · ETA 4 s")
    p.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_ci_means_plain_lines_even_on_a_terminal(clock, monkeypatch):
    monkeypatch.setenv("CI", "1")
    stream = Terminal()
    p = Progress("check", stream=stream)
    clock.now += 1
    p(1, 10)
    assert "\r" not in stream.getvalue()


def test_heartbeat_prints_elapsed_time_while_a_call_runs(monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_INTERVAL", 0.01)
    stream = io.StringIO()
    done = threading.Event()
    with Heartbeat("verify x.json", estimate=3600, stream=stream):
        done.wait(0.2)
    lines = stream.getvalue().splitlines()
    assert lines and all(line.startswith("verify x.json: ") for line in lines)
    assert "left (estimate)" in lines[0]


def test_a_quick_call_prints_nothing():
    stream = io.StringIO()
    with Heartbeat("evaluate", stream=stream):
        pass
    assert stream.getvalue() == ""


def test_size_warning_only_for_large_work():
    assert size_warning(10, 9, "verify") is None
    line = size_warning(202_000, 4, "verify")
    assert line is not None and "202,000 data points × 4 parameters: verify may take minutes" in line


def test_search_plain_progress_speaks_even_while_no_result_arrives(monkeypatch):
    """A pool's first batch can take half a minute: the log still gets a line every interval."""
    from badminima.search.display import live_progress
    from badminima.search.pipeline import Budget

    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()
    display, _ = live_progress(Budget(candidates=16), stream=stream, every=1)
    seen = threading.Event()
    with display:
        for _ in range(50):  # poll: the line comes from the display's own thread
            if stream.getvalue():
                seen.set()
                break
            seen.wait(0.1)
    assert seen.is_set()
    assert re.match(r"search: 0:00:0\d elapsed, starting: the first candidates", stream.getvalue())


class Recorder:
    """A `ProgressHook` that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int | None, str]] = []

    def __call__(self, stage, done=0, total=None, *, note=""):
        self.calls.append((stage, done, total, note))

    @property
    def stages(self) -> list[str]:
        return list(dict.fromkeys(c[0] for c in self.calls))


def _counts_are_sane(rec: Recorder) -> None:
    for stage, done, total, _ in rec.calls:
        assert done >= 0
        assert total is None or done <= total, (stage, done, total)


def test_heartbeat_shows_the_stage_its_rate_and_eta(clock):
    stream = io.StringIO()
    beat = Heartbeat("verify x.json", stream=stream)
    beat.start = clock.now
    beat("Hessian columns", 0, 4)
    clock.now += 10
    beat("Hessian columns", 2, 4, note="at 128 bits")
    clock.now += 2
    # 2 columns in 10 s: 0.2/s; 2 left take 10 s, 2 of them already spent since the last column.
    assert beat._line() == (
        "verify x.json: Hessian columns 2/4 at 128 bits, 0.2/s, about 8 s left in this stage; 12 s elapsed"
    )
    beat("Hessian columns", 3, 4)  # the same stage: its clock keeps running
    clock.now += 1
    assert beat._line().startswith("verify x.json: Hessian columns 3/4, 0.25/s, about 3 s left")
    beat("box proof of a minimum", 0, 3)  # a new stage: a new clock, no rate before its first step
    clock.now += 1
    assert beat._line() == "verify x.json: box proof of a minimum 0/3, 1 s in this stage; 14 s elapsed"


def _without_time(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "seconds"}


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("relu-blind-spot.json", {"float derivatives", "least-squares bound", "better point's loss"}),
        ("sigmoid-deadlock.json", {"float descent probes", "box proof of a minimum", "better point's loss"}),
    ],
)
def test_certify_reports_its_stages_and_proves_the_same_with_or_without_a_hook(example, expected):
    from badminima.model.trapfile import load_trap
    from badminima.verify.certification import certify

    from .test_cli import EXAMPLES

    trap = load_trap(EXAMPLES / example)
    rec = Recorder()
    watched = certify(trap, probes=8, progress=rec)
    assert _without_time(watched.to_json()) == _without_time(certify(trap, probes=8).to_json())
    assert expected <= set(rec.stages)
    _counts_are_sane(rec)


def test_a_saddle_proof_reports_its_precision_loop():
    from badminima.model.trap import Trap
    from badminima.verify.certification import certify

    from .verify.planted import plant

    planted = plant(0, residual=1.0)  # index 1 in 80-digit arithmetic (tests/verify/planted.py)
    assert planted.index == 1
    trap = Trap(planted.network, planted.dataset, planted.point(12))
    rec = Recorder()
    watched = certify(trap, probes=0, progress=rec)
    assert watched.verdict.value == "saddle"
    assert _without_time(watched.to_json()) == _without_time(certify(trap, probes=0).to_json())
    loop = [c for c in rec.calls if c[0] == "box proof of a saddle"]
    assert loop and loop[0][1:3] == (0, 3) and loop[0][3] == "at 128 bits"


@pytest.mark.parametrize("backend", ["exact", "ball", "float"])
def test_evaluate_reports_hessian_columns_and_is_unchanged_by_the_hook(backend):
    from badminima.landscape.evaluation import evaluate
    from badminima.model.trapfile import load_trap

    from .test_cli import EXAMPLES

    trap = load_trap(EXAMPLES / "jellyfish-sigmoid.json")
    args = (trap.network, trap.dataset, trap.point)
    rec = Recorder()
    watched = evaluate(*args, backend=backend, progress=rec)
    assert _without_time(watched.to_json()) == _without_time(evaluate(*args, backend=backend).to_json())
    P = trap.network.n_params
    columns = [c[1] for c in rec.calls if c[0] == "Hessian columns"]
    assert columns[0] == 0 and columns[-1] == P
    if backend != "float":  # the object-array backends do one column per pass
        assert columns == list(range(P + 1))
    assert {"loss", "gradient", "activation pattern"} <= set(rec.stages)
    _counts_are_sane(rec)


def test_a_cancelling_loss_reports_its_rising_precision():
    import mpmath

    from badminima.landscape.evaluation import evaluate
    from badminima.model import Dataset, Network, Point

    # f(1) = σ(60) against the target 1: the loss (σ(60) − 1)² ≈ 7.67e-53 cancels 2^-86 in 128-bit balls,
    # too wide for 15 digits, so the loss is recomputed at 256 bits.
    net = Network((1, 1, 1), "sigmoid")
    data = Dataset.of([[1]], [[1]])
    point = Point.of([([[60]], [0]), ([[1]], [0])])
    rec = Recorder()
    watched = evaluate(net, data, point, backend="ball", progress=rec)
    assert watched.loss_float == evaluate(net, data, point, backend="ball").loss_float
    with mpmath.workdps(60):
        truth = (1 / (1 + mpmath.exp(-60)) - 1) ** 2
    assert abs(watched.loss_float - truth) <= 1e-14 * truth
    assert [c[1:] for c in rec.calls if c[0] == "loss at rising precision"] == [(0, 5, "at 256 bits")]


def test_verify_prints_stage_lines_on_a_log(monkeypatch, capsys):
    import time

    import badminima.verify.certification as certification
    from badminima.cli import main

    from .test_cli import EXAMPLES

    real = certification.certify

    def unhurried(trap, **kwargs):
        # Each stage lingers 20 ms, so the 10 ms heartbeat has something to show however fast the
        # machine (a cached or quick proof once finished before the first line).
        hook = kwargs["progress"]

        def slow(*args, **kw):
            hook(*args, **kw)
            time.sleep(0.02)

        return real(trap, **{**kwargs, "progress": slow})

    monkeypatch.setattr(certification, "certify", unhurried)
    monkeypatch.setattr(progress, "PLAIN_INTERVAL", 0.01)
    monkeypatch.setenv("CI", "1")
    assert main(["verify", str(EXAMPLES / "sigmoid-deadlock.json"), "--json"]) == 0
    err = capsys.readouterr().err.splitlines()
    label = f"verify {EXAMPLES / 'sigmoid-deadlock.json'}: "
    assert err and all(line.startswith(label) and "elapsed" in line for line in err)
    assert any(re.search(r": [a-z' -]+ \d+/\d+", line) for line in err)  # a counted stage was shown


@settings(max_examples=10, deadline=None)
@given(traps(max_points=4))
def test_a_hook_never_changes_a_certificate(trap):
    from badminima.verify.certification import certify

    rec = Recorder()
    watched = certify(trap, probes=4, progress=rec)
    assert _without_time(watched.to_json()) == _without_time(certify(trap, probes=4).to_json())
    assert rec.calls and rec.calls[0][0] == "float derivatives"
    _counts_are_sane(rec)


def test_the_exact_descent_search_notes_each_loss_it_computes():
    import dataclasses

    from badminima.model.point import Layer
    from badminima.model.trapfile import load_trap
    from badminima.verify.certification import certify

    from .test_cli import EXAMPLES

    trap = load_trap(EXAMPLES / "relu-blind-spot.json")
    # relu(x − 2) instead of relu(x − 3): the residual at x = 3 is 1, the gradient is not zero.
    first = Layer(trap.point.layers[0].W, (Fraction(-2),))
    moved = dataclasses.replace(
        trap, point=dataclasses.replace(trap.point, layers=(first, trap.point.layers[1]))
    )
    rec = Recorder()
    cert = certify(moved, probes=0, progress=rec)
    assert cert.verdict.value == "not-critical"
    notes = [c[3] for c in rec.calls if c[0] == "first-order descent directions"]
    assert notes[0] == "(germ of the loss along the ray)" and notes[1] == "(exact loss at step 2^-0)"
