"""Population traps in trap files: exact round trip, and one clear error per bad field."""

from __future__ import annotations

import json

import pytest

from badminima.constructions.safran_shamir import safran_shamir
from badminima.errors import TrapFileError
from badminima.model.population import PopulationTrap
from badminima.model.trapfile import dumps_trap, load_any_trap, loads_any_trap, loads_trap, save_trap


@pytest.mark.parametrize("k", [6, 7, 12])
def test_round_trip_is_exact(k, tmp_path):
    trap = safran_shamir(k)
    path = tmp_path / "t.json"
    save_trap(trap, path)
    back = load_any_trap(path)
    assert isinstance(back, PopulationTrap)
    assert back == trap
    assert dumps_trap(back) == dumps_trap(trap)


def _doc() -> dict:
    return json.loads(dumps_trap(safran_shamir(6)))


@pytest.mark.parametrize(
    ("edit", "field", "fragment"),
    [
        (lambda d: d["data"].update(distribution="uniform"), "data.distribution", "expected one of gaussian"),
        (lambda d: d["data"].update(dimension=0), "data.dimension", "positive integer"),
        (lambda d: d["data"].pop("teacher"), "data.teacher", "missing"),
        (lambda d: d["data"].update(extra=1), "data.extra", "unknown key"),
        (
            lambda d: d["data"]["teacher"]["point"][1].update(W=[["2"] * 6]),
            "data.teacher.point[1].W",
            "fixes every",
        ),
        (lambda d: d["point"][1].update(W=[["1/2"] * 6]), "point[1].W", "fixes every output weight at 1"),
        (lambda d: d["network"].update(bias=True), "point[0].b", "missing"),
        (lambda d: d["network"].update(activation="tanh"), "point", "relu"),
        (lambda d: d["data"].update(dimension=7), "data.teacher.network.widths", "expected input width 7"),
    ],
)
def test_bad_population_fields_name_the_field(edit, field, fragment):
    doc = _doc()
    edit(doc)
    with pytest.raises(TrapFileError) as err:
        loads_any_trap(json.dumps(doc), origin="t.json")
    assert err.value.field == field and fragment in err.value.problem


def test_load_trap_points_to_load_any_trap():
    with pytest.raises(TrapFileError) as err:
        loads_trap(dumps_trap(safran_shamir(6)), origin="t.json")
    assert err.value.field == "data" and "population" in err.value.problem
