import json
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from badminima import TrapFileError, dumps_trap, load_trap, loads_trap, save_trap
from badminima.strategies import traps

GOOD = {
    "format": "badminima.trap/1",
    "network": {"widths": [1, 1, 1], "activation": "relu", "output": "identity", "loss": "mse"},
    "data": {"X": [[5], [4], [3], [1], [-1]], "y": [[2], [1], [0], [-3], [3]]},
    "point": [{"W": [[1]], "b": [-3]}, {"W": [[1]], "b": [0]}],
}


@given(traps())
def test_load_save_load_is_exact(trap):
    text = dumps_trap(trap)
    again = loads_trap(text)
    assert again == trap
    assert dumps_trap(again) == text


def test_decimals_are_exact_decimals():
    doc = json.loads(json.dumps(GOOD))
    doc["data"]["X"][0] = [0.1]
    doc["data"]["y"][0] = ["2.2e-6"]
    trap = loads_trap(json.dumps(doc))
    assert trap.dataset.X[0][0] == Fraction(1, 10)
    assert trap.dataset.y[0][0] == Fraction(22, 10**7)


def test_save_is_atomic_and_readable(tmp_path):
    trap = loads_trap(json.dumps(GOOD))
    path = tmp_path / "t.json"
    save_trap(trap, path)
    assert load_trap(path) == trap
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]  # no temporary left behind


def _variant(edit):
    doc = json.loads(json.dumps(GOOD))
    edit(doc)
    return json.dumps(doc)


def _set(path, value):
    def edit(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _delete(path):
    def edit(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return edit


# (document text, field named in the message, fragment of what was expected)
BAD_INPUTS = [
    ('{"format": "badminima.trap/1", "network": ', "", "not valid JSON"),
    (_delete(["network", "activation"]), "network.activation", "missing"),
    (_delete(["point"]), "point", "missing"),
    (_set(["format"], "other/1"), "format", "badminima.trap/1"),
    (_set(["network", "activation"], "swish"), "network.activation", "expected one of identity, relu"),
    (_set(["network", "loss"], "bce"), "network.loss", "needs output 'sigmoid'"),
    (_set(["network", "widths"], [1]), "network.widths", "at least two positive integers"),
    (_set(["data", "X"], [[5, 1], [4], [3], [1], [-1]]), "data.X[0]", "expected 1 entries"),
    (_set(["data", "y"], [[2], [1]]), "data.y", "expected 5 rows"),
    (_set(["point", 0, "W"], [[1, 2]]), "point[0].W[0]", "expected 1 entries"),
    (_set(["point", 0, "b"], [1, 2]), "point[0].b", "expected 1 entries"),
    (_set(["point", 0, "b"], ["one"]), "point[0].b[0]", "exact rational"),
    (_set(["data", "X", 2], ["1/0"]), "data.X[2][0]", "non-zero denominator"),
    (_set(["data", "y", 1], [True]), "data.y[1][0]", "boolean"),
    (_set(["better"], [{"W": [[1]]}]), "better", "expected 2 layers"),
    (_set(["network", "bias"], "yes"), "network.bias", "true or false"),
    (_set(["extra"], 1), "extra", "unknown key"),
]


def _nan_doc():
    return json.dumps(GOOD).replace('"X": [[5]', '"X": [[NaN]')


def _inf_doc():
    return json.dumps(GOOD).replace('"b": [-3]', '"b": [-Infinity]')


def _bce_doc():
    doc = json.loads(json.dumps(GOOD))
    doc["network"].update(output="sigmoid", loss="bce")
    return json.dumps(doc)


BAD_TEXTS = [
    (_nan_doc(), "data.X[0][0]", "finite number, got NaN"),
    (_inf_doc(), "point[0].b[0]", "finite number, got -Infinity"),
    (_bce_doc(), "data.y[0][0]", "targets in [0, 1], got 2"),
]


def _cases():
    for edit, field, fragment in BAD_INPUTS:
        text = edit if isinstance(edit, str) else _variant(edit)
        yield text, field, fragment
    yield from BAD_TEXTS


@pytest.mark.parametrize(("text", "field", "fragment"), list(_cases()))
def test_bad_inputs_name_file_field_and_expectation(text, field, fragment):
    with pytest.raises(TrapFileError) as info:
        loads_trap(text, origin="bad.json")
    message = str(info.value)
    assert message.startswith("bad.json: ")
    assert f": {field}: " in message or not field
    assert fragment in message
    assert "\n" not in message


def test_missing_file_is_a_trap_file_error(tmp_path):
    with pytest.raises(TrapFileError, match="cannot read the file"):
        load_trap(tmp_path / "nope.json")


@given(
    st.integers(-(10**12), 10**12).filter(lambda n: n % 10 != 0),
    st.integers(1, 12),
    st.integers(1, 20),
)
def test_trailing_zeros_survive_a_save(digits, places, zeros):
    """A point's "1.800" is four digits (README: trailing zeros are digits, `WrittenDecimal`); saving the
    trap must not shorten it to "1.8", which would widen its window when read back."""
    sign, whole, frac = "-" if digits < 0 else "", abs(digits) // 10**places, abs(digits) % 10**places
    written = f"{sign}{whole}.{str(frac).rjust(places, '0')}{'0' * zeros}"
    doc = json.loads(json.dumps(GOOD))
    doc["point"][1]["b"] = [written]
    again = loads_trap(dumps_trap(loads_trap(json.dumps(doc))))
    assert json.loads(dumps_trap(again))["point"][1]["b"] == [written]
    b = again.point.layers[1].b[0]
    assert b == Fraction(digits, 10**places)
    assert getattr(b, "place", None) == Fraction(1, 10 ** (places + zeros))
