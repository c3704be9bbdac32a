"""Figure 4: the loss and accuracy in the CSV at initialisation and after training are recomputed from
the saved weights by a plain numpy forward pass (no torch), on digits loaded again from scikit-learn;
the shifted initial weights are the standard draws plus μ; and in the small setting the standard runs
learn while the shifted runs stay at chance accuracy (a margin of several tenths in both directions)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from paper_figures import digits_init

pytest.importorskip("sklearn")

pytestmark = pytest.mark.slow  # draws the figure (seconds); the registry tests draw one in every run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SETTING = digits_init.SMALL


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits-init")
    paths = digits_init.make(out, small=True, seed=2)
    with paths[1].open() as fh:
        rows = list(csv.reader(fh))[1:]
    with np.load(paths[2], allow_pickle=False) as z:
        weights = {k: z[k] for k in z.files}
    return paths, rows, weights


def _data():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data[: SETTING.samples] / 16.0, bunch.target[: SETTING.samples]


def _loss_and_correct(weights, prefix):
    """Mean cross-entropy and number of correct images, by numpy alone."""
    x, y = _data()
    h = x
    for i in range(SETTING.depth + 1):
        h = h @ weights[f"{prefix}-W{i}"] + weights[f"{prefix}-b{i}"]
        if i < SETTING.depth:
            h = np.maximum(h, 0.0)
    top = h.max(axis=1, keepdims=True)
    log_p = h - top - np.log(np.exp(h - top).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean()), int((h.argmax(axis=1) == y).sum())


def _run(rows, init, seed):
    return [r for r in rows if r[0] == init and r[2] == str(seed)]


def test_writes_png_csv_and_weights(written) -> None:
    paths, rows, weights = written
    assert [p.name for p in paths] == ["digits-init.png", "digits-init.csv", "digits-init-weights.npz"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC
    assert len(rows) == len(digits_init.INITS) * SETTING.seeds * (SETTING.epochs + 1)
    assert len(weights) == len(digits_init.INITS) * SETTING.seeds * 2 * 2 * (SETTING.depth + 1)


def test_rows_are_consistent(written) -> None:
    _, rows, _ = written
    steps_per_epoch = -(-SETTING.samples // SETTING.batch)
    for init, mean in digits_init.INITS:
        for s in range(SETTING.seeds):
            run = _run(rows, init, s)
            assert [int(r[3]) for r in run] == list(range(SETTING.epochs + 1))
            assert [int(r[4]) for r in run] == [e * steps_per_epoch for e in range(SETTING.epochs + 1)]
            for r in run:
                assert float(r[1]) == mean
                assert float(r[7]) == int(r[6]) / SETTING.samples
                assert float(r[5]) > 0.0


@pytest.mark.parametrize("init", ["standard", "shifted"])
@pytest.mark.parametrize("stage", ["initial", "final"])
def test_numbers_recomputed_from_saved_weights(written, init, stage) -> None:
    _, rows, weights = written
    for s in range(SETTING.seeds):
        loss, correct = _loss_and_correct(weights, f"{init}-s{s}-{stage}")
        row = _run(rows, init, s)[0 if stage == "initial" else -1]
        assert int(row[6]) == correct
        assert float(row[5]) == pytest.approx(loss, rel=1e-9)


def test_shifted_draws_are_the_standard_draws_plus_mu(written) -> None:
    _, _, weights = written
    for s in range(SETTING.seeds):
        for i in range(SETTING.depth + 1):
            std = weights[f"standard-s{s}-initial-W{i}"]
            assert weights[f"shifted-s{s}-initial-W{i}"] == pytest.approx(std + digits_init.SHIFT, abs=1e-15)
            assert abs(std.mean()) < 4.0 / np.sqrt(std.shape[0])  # mean 0, σ = 1/√fan_in: loose bound
            assert np.all(weights[f"standard-s{s}-initial-b{i}"] == 0.0)


def test_standard_learns_and_shifted_stays_at_chance(written) -> None:
    _, rows, _ = written
    for s in range(SETTING.seeds):
        standard, shifted = _run(rows, "standard", s), _run(rows, "shifted", s)
        assert float(standard[-1][7]) > 0.6
        assert float(standard[-1][5]) < float(standard[0][5]) / 2
        assert float(shifted[-1][7]) < 0.2
        assert float(shifted[-1][5]) > np.log(10)
