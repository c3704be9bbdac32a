"""`badminima list / show / export / reproduce` as a user runs them."""

import json

import pytest

from badminima import load_trap
from badminima.cli import main
from badminima.constructions import REGISTRY, construction
from badminima.constructions.safran_shamir import FAMILIES
from badminima.verify import certify


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_construction(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in REGISTRY:
        assert name in out
    doc = json.loads(run(capsys, "list", "--json")[1])
    assert {d["name"] for d in doc} == set(REGISTRY) | set(FAMILIES)
    assert {"safran-shamir", "safran-shamir-overparam"} <= set(FAMILIES)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_show_prints_data_points_and_losses(capsys, name):
    code, out, err = run(capsys, "show", name)
    assert code == 0 and not err
    assert "data (" in out
    if REGISTRY[name].kind != "dataset":
        assert "loss " in out and "point:" in out


def test_show_sketches_the_deadlock_with_its_two_misclassified_points(capsys):
    out = run(capsys, "show", "sigmoid-deadlock")[1]
    trap_part, better_part = out.split("better:")

    def grid(text):
        return "".join(line for line in text.splitlines() if line and set(line) <= set("#.01OI"))

    assert grid(trap_part).count("I") == 2 and "accuracy 8/10 correct" in trap_part
    assert grid(better_part).count("I") == 0 and grid(better_part).count("1") == 4
    assert "accuracy 1" in better_part


def test_export_writes_a_trap_file_that_verifies(capsys, tmp_path):
    path = tmp_path / "sat.json"
    code, out, _ = run(
        capsys, "export", "saturated-relu", "-o", str(path), "--param", "margin=3", "--param", "depth=3"
    )
    assert code == 0 and "wrote" in out
    trap = load_trap(path)
    assert trap == construction("saturated-relu").build(margin=3, depth=3)
    assert certify(trap, probes=0).verdict.value == "bad-local-min"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "nope"], "no construction 'nope'"),
        (["show", "relu-blind-spot", "--param", "scale"], "--param: expected key=value"),
        (
            ["show", "relu-blind-spot", "--param", "scale=-1"],
            "relu-blind-spot: parameter scale: expected a value > 0",
        ),
        (["export", "jellyfish", "-o", "x.json"], "jellyfish is a dataset, not a trap"),
        (
            ["export", "relu-blind-spot", "-o", "/nonexistent/dir/x.json"],
            "cannot write /nonexistent/dir/x.json: no directory",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert message in err and err.count("\n") == 1


def test_reproduce_certifies_every_trap_and_matches_the_papers_numbers(capsys):
    code, out, _ = run(capsys, "reproduce", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0
    population = {f"safran-shamir-k{k}" for k in range(6, 21)} | {"safran-shamir-overparam-k15"}
    assert set(rows) == {c.name for c in REGISTRY.values() if c.kind != "dataset"} | population
    for name in population:  # Safran & Shamir's spurious minima, certified from the stored compact form
        r = rows.pop(name)
        assert (r["kind"], r["verdict"], r["rigor"]) == ("population-trap", "bad-local-min", "interval"), name
    for name, r in rows.items():
        assert {"name", "verdict", "rigor", "loss", "better_loss"} <= set(r)
        if REGISTRY[name].kind == "trap":
            assert r["verdict"] == "bad-local-min", name
            assert r["rigor"] == ("interval" if "sigmoid" in name else "exact"), name
        else:  # saturated sigmoid: a tiny gradient, honestly not a minimum
            assert r["verdict"] not in ("local-min", "bad-local-min")
            assert isinstance(r["gradient_norm_upper"], float) and r["gradient_norm_upper"] < 1e-3
    assert [
        rows[n]["matches_paper"]
        for n in ("relu-blind-spot", "relu-no-blind-spot", "relu-blind-spot-in-better")
    ] == [True] * 3
    assert rows["saturated-relu"]["matches_paper"] is None  # the paper states no number for it
    deadlock = rows["sigmoid-deadlock"]
    assert (deadlock["accuracy"], deadlock["better_accuracy"]) == (0.8, 1.0)  # 8 of 10, 10 of 10
    assert (deadlock["accuracy_exact"], deadlock["better_accuracy_exact"]) == ("4/5", "1")
    # 8 of 10 right at the trap, 10 of 10 at the better point (counted by hand in the module docstring)
    assert (deadlock["accuracy_ratio"], deadlock["accuracy_ratio_exact"]) == (0.8, "4/5")
    assert rows["relu-blind-spot"]["accuracy_ratio"] is None  # regression targets: no accuracy
    # The text form is the README's `badminima reproduce` sample, compared line by line by test_readme.
