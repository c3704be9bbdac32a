"""Figure 7: one step size's CSV numbers replayed by a numpy SGD loop with hand-derived gradients of
f(x) = v·tanh(w·x + b) + c, and the log-log slopes in a robust range."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from paper_figures import sgd_step

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("sgd")
    return out, sgd_step.make(out, small=True, seed=1)


def _rows(path):
    with path.open() as fh:
        return list(csv.reader(fh))


def _grad(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # hand derivation, loss = mean (f - y)^2, flat order (w, b, v, c)
    w, b, v, c = theta
    h = np.tanh(w * x + b)
    r = 2 * (v * h + c - y) / x.size
    dz = r * v * (1 - h * h)
    return np.array([(dz * x).sum(), dz.sum(), (r * h).sum(), r.sum()])


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_writes_png_and_csv(written) -> None:
    _, paths = written
    assert [p.name for p in paths] == ["sgd-step.png", "sgd-step.csv", "sgd-step-start.csv"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_one_step_size_replayed_in_numpy(written) -> None:
    out, _ = written
    _, *rows = _rows(out / "sgd-step.csv")
    theta0 = np.array([float(r[1]) for r in _rows(out / "sgd-step-start.csv")[1:]])
    x = np.array([float(v) for v in sgd_step.XS])
    y = np.array([float(v) for v in sgd_step.YS])
    assert np.linalg.norm(_grad(theta0, x, y)) < 1e-8  # the start is a critical point
    s = sgd_step.SMALL
    row = rows[1]
    eta = float(row[0])
    assert eta == s.step_sizes[1]
    tail_means, tail_sq = [], []
    for run in range(s.seeds):
        idx = np.random.default_rng([1, run]).integers(x.size, size=s.steps)
        theta = theta0.copy()
        norms = []
        for step in range(s.steps):
            i = idx[step]
            theta = theta - eta * _grad(theta, x[i : i + 1], y[i : i + 1])
            if step >= s.burn_in and (step - s.burn_in) % s.stride == 0:
                norms.append(np.linalg.norm(_grad(theta, x, y)))
        tail_means.append(np.mean(norms))
        tail_sq.append(np.mean(np.square(norms)))
    assert float(row[1]) == pytest.approx(np.mean(tail_means), rel=1e-9)
    assert float(row[2]) == pytest.approx(np.std(tail_means, ddof=1), rel=1e-6)
    assert float(row[3]) == pytest.approx(np.mean(tail_sq), rel=1e-9)
    assert int(row[5]) == s.seeds and int(row[6]) == s.steps and int(row[7]) == s.burn_in


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_slopes_in_a_robust_range(written) -> None:
    out, _ = written
    rows = _rows(out / "sgd-step.csv")[1:]
    etas = np.array([float(r[0]) for r in rows])
    mean = np.array([float(r[1]) for r in rows])
    mean_sq = np.array([float(r[3]) for r in rows])
    assert (np.diff(mean) > 0).all()
    # theory (stationary SGD near a minimum): E|grad|^2 ~ eta, |grad| ~ sqrt(eta)
    assert 0.3 < np.polyfit(np.log(etas), np.log(mean), 1)[0] < 0.9
    assert 0.6 < np.polyfit(np.log(etas), np.log(mean_sq), 1)[0] < 1.5
    assert float(rows[0][11]) == pytest.approx(np.polyfit(np.log(etas), np.log(mean_sq), 1)[0])
