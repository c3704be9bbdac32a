"""The `badminima` command as a user runs it."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

from badminima import Dataset, Network, Point, Trap, save_trap
from badminima.cli import main
from badminima.model.rational import parse_rational

from .model.test_trapfile import _cases
from .reference import reference_loss

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_json_gives_the_exact_loss(capsys):
    code, out, _ = _run(capsys, "evaluate", str(EXAMPLES / "relu-blind-spot.json"), "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["loss"] == "18/5"  # the paper's sum of squares 18 over N = 5 points
    assert doc["gradient_norm"] == 0.0
    assert len(doc["hessian_eigenvalues"]) == 4
    assert doc["pattern"]["kinks"] == [{"layer": 0, "unit": 0, "point": 2}]


def test_evaluate_better_point_and_human_output(capsys):
    code, out, _ = _run(capsys, "evaluate", str(EXAMPLES / "relu-blind-spot.json"), "--which", "better")
    assert code == 0
    assert "loss: 14/5" in out  # paper: sum of squares 14


@pytest.mark.parametrize("backend", ["exact", "ball", "float"])
def test_evaluate_every_backend_on_a_sigmoid_trap(capsys, backend):
    code, out, _ = _run(
        capsys, "evaluate", str(EXAMPLES / "jellyfish-sigmoid.json"), "--json", "--backend", backend
    )
    doc = json.loads(out)
    assert code == 0 and doc["accuracy"] == 0.75
    from badminima import load_trap

    trap = load_trap(EXAMPLES / "jellyfish-sigmoid.json")
    ref = reference_loss(trap.network, trap.dataset, trap.point)
    assert abs(doc["loss_float"] - float(ref)) < 1e-14


def _chain_point(net: Network) -> Point:
    """A deterministic point with varied small rationals: entry k is ((k * 5) mod 7 - 3) / 2."""
    values = [Fraction((k * 5) % 7 - 3, 2) for k in range(net.n_params)]
    return Point.unflatten(net, values)


COMBOS = list(
    itertools.product(("identity", "relu", "leaky_relu", "sigmoid", "tanh"), (True, False), range(4))
)


@pytest.mark.parametrize(("activation", "bias", "hidden"), COMBOS)
@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_evaluate_all_activations_biases_and_depths(tmp_path, capsys, activation, bias, hidden):
    widths = (2, *([2] * hidden), 1)
    net = Network(widths, activation, bias=bias)
    data = Dataset.of([[0, 1], [1, "1/2"], [-1, 2]], [[1], ["-1/3"], [2]])
    trap = Trap(net, data, _chain_point(net))
    path = tmp_path / "t.json"
    save_trap(trap, path)
    code, out, _ = _run(capsys, "evaluate", str(path), "--json")
    assert code == 0
    doc = json.loads(out)
    ref = reference_loss(net, data, trap.point)
    if isinstance(ref, Fraction):
        assert parse_rational(doc["loss"]) == ref
    else:
        assert abs(mpmath.mpf(doc["loss_float"]) - ref) <= 1e-13 * max(1, abs(ref))
    assert len(doc["hessian_eigenvalues"]) == net.n_params


def test_hand_computed_loss_of_a_two_layer_relu_file(tmp_path, capsys):
    # f(x) = relu(x1 - x2) - 1/2: inputs (0,1), (1,1/2), (-1,2) give f = -1/2, 0, -1/2;
    # residuals -3/2, 1/3, -5/2; mse = (9/4 + 1/9 + 25/4) / 3 = (17/2 + 1/9) / 3 = 155/54.
    net = Network((2, 1, 1), "relu")
    data = Dataset.of([[0, 1], [1, "1/2"], [-1, 2]], [[1], ["-1/3"], [2]])
    save_trap(Trap(net, data, Point.of([([[1, -1]], [0]), ([[1]], ["-1/2"])])), tmp_path / "h.json")
    _, out, _ = _run(capsys, "evaluate", str(tmp_path / "h.json"), "--json")
    assert json.loads(out)["loss"] == "155/54"


@pytest.mark.parametrize(("text", "field", "fragment"), list(_cases()))
def test_bad_trap_files_exit_2_with_one_line(tmp_path, capsys, text, field, fragment):
    path = tmp_path / "bad.json"
    path.write_text(text)
    code, out, err = _run(capsys, "evaluate", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0] and field in lines[0] and fragment in lines[0]


def test_no_traceback_from_the_installed_command(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "badminima.trap/1", "network": {"widths": [1, 1]}}')
    proc = subprocess.run(
        [sys.executable, "-m", "badminima.cli", "evaluate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert f"{path}: data: missing" in proc.stderr


def test_missing_file_and_missing_better(tmp_path, capsys):
    code, _, err = _run(capsys, "evaluate", str(tmp_path / "none.json"))
    assert code == 2 and "cannot read the file" in err
    code, _, err = _run(capsys, "evaluate", str(EXAMPLES / "jellyfish-sigmoid.json"), "--which", "better")
    assert code == 2 and "better" in err


def test_help_is_complete(capsys):
    for argv in (["--help"], ["evaluate", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    out = capsys.readouterr().out
    for word in ("evaluate", "--backend", "--json", "--kink-side", "--precision", "--which"):
        assert word in out


def test_verify_json_certifies_the_paper_trap(capsys):
    code, out, _ = _run(capsys, "verify", str(EXAMPLES / "relu-blind-spot.json"), "--json", "--probes", "4")
    doc = json.loads(out)
    assert code == 0
    assert (doc["verdict"], doc["rigor"]) == ("bad-local-min", "exact")
    # The paper's sums of squares 18 and 14 over N = 5 points.
    assert (doc["loss"], doc["better_loss"], doc["gap_lower"]) == ("18/5", "14/5", "4/5")
    assert doc["box_radius"] == "0" and doc["diagnostics"]["probes"] == 4


def test_verify_human_output_names_verdict_and_numbers(capsys):
    code, out, _ = _run(capsys, "verify", str(EXAMPLES / "jellyfish-sigmoid.json"), "--probes", "0")
    assert code == 0
    assert "verdict: not-critical  (rigor: interval" in out
    assert "numerical diagnostics (float64, not a proof)" in out


@pytest.mark.parametrize(("text", "field", "fragment"), list(_cases()))
def test_verify_bad_trap_files_exit_2_with_one_line(tmp_path, capsys, text, field, fragment):
    path = tmp_path / "bad.json"
    path.write_text(text)
    code, out, err = _run(capsys, "verify", str(path))
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert str(path) in err and field in err and fragment in err


def test_verify_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["verify", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for word in ("bad-local-min", "saddle", "not-critical", "inconclusive", "--probes", "--seed", "--json"):
        assert word in out
