"""The predictor contract (archrank.predictors.base), run on every registered predictor."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archrank.errors import DataError, InvalidArgument, UnknownName
from archrank.metrics import spearman
from archrank.predictors import PREDICTORS, load_predictor, make_predictor, predictor_params, save_predictor
from archrank.predictors.saved import fit_saved

# small settings so that every predictor fits in well under a second
SMALL = {"mlp_ensemble": {"members": 3, "epochs": 60}, "rf": {"trees": 40}, "hgb": {"iterations": 60}}


def _data(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = 2.0 * X[:, 0] - X[:, 1] + 0.5 * X[:, 2] ** 2 + 0.05 * rng.normal(size=n)
    return X, y


def _make(name, **kw):
    return make_predictor(name, **{**SMALL.get(name, {}), **kw})


@pytest.mark.parametrize("name", PREDICTORS.names())
def test_fit_predict_shapes_and_uncertainty(name):
    X, y = _data()
    p = _make(name)
    assert p.fit(X[:40], y[:40]) is p
    pred = p.predict(X[40:])
    assert pred.mean.shape == (20,) and np.isfinite(pred.mean).all()
    if p.has_uncertainty:
        assert pred.std is not None and pred.std.shape == (20,) and (pred.std >= 0).all()
        assert pred.std.max() > 0  # an uncertainty that is always 0 is none
    else:
        assert pred.std is None


@pytest.mark.parametrize("name", PREDICTORS.names())
def test_learns_a_known_function(name):
    """On a synthetic table (a known function of 5 features) the ranking of unseen rows is recovered."""
    X, y = _data(n=300)
    pred = _make(name).fit(X[:150], y[:150]).predict(X[150:]).mean
    assert spearman(pred, y[150:]) > 0.8, name


@pytest.mark.parametrize("name", PREDICTORS.names())
def test_deterministic_given_seed_and_seed_matters_where_random(name):
    X, y = _data()
    a = _make(name, seed=3).fit(X[:40], y[:40]).predict(X[40:]).mean
    b = _make(name, seed=3).fit(X[:40], y[:40]).predict(X[40:]).mean
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", PREDICTORS.names())
def test_errors(name):
    X, y = _data()
    p = _make(name)
    with pytest.raises(InvalidArgument, match="not fitted"):
        p.predict(X)
    with pytest.raises(InvalidArgument, match="targets"):
        p.fit(X, y[:-1])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InvalidArgument, match="non-finite"):
        p.fit(bad, y)
    with pytest.raises(InvalidArgument, match="at least 2"):
        p.fit(X[:1], y[:1])
    p.fit(X, y)
    with pytest.raises(InvalidArgument, match="features"):
        p.predict(X[:, :3])
    with pytest.raises(InvalidArgument, match="seed"):
        make_predictor(name, seed=-1)
    with pytest.raises(InvalidArgument, match="no parameter"):
        make_predictor(name, nope=1)


def test_unknown_predictor_lists_choices():
    with pytest.raises(UnknownName, match="mlp_ensemble"):
        make_predictor("nope")


@pytest.mark.parametrize("name", PREDICTORS.names())
def test_saved_predictor_reloads_to_the_same_predictions(name, tmp_path):
    X, y = _data()
    params = {**SMALL.get(name, {}), "seed": 5}
    fitted = fit_saved(predictor=name, params=params, space="nb201", features="encoding",
                       feature_names=[f"enc:{i}" for i in range(X.shape[1])], archs=[str(i) for i in range(40)],
                       X=X[:40], y=y[:40])
    path = save_predictor(fitted, tmp_path / "p.json")
    doc = json.loads(path.read_text())
    assert doc["predictor"] == name and doc["params"] == {**predictor_params(name), **params}
    loaded = load_predictor(path)
    np.testing.assert_allclose(loaded.predictor.predict(X[40:]).mean, fitted.predictor.predict(X[40:]).mean)


def test_load_rejects_other_files(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(DataError, match="not an archrank predictor"):
        load_predictor(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{not json")
    with pytest.raises(DataError, match="cannot read"):
        load_predictor(tmp_path / "y.json")


def test_normal_score_targets_map_back_in_order():
    from archrank.predictors.base import TargetTransform

    y = np.array([10.0, 90.0, 91.0, 91.0, 93.5, 94.0])
    t = TargetTransform("normal").fit(y)
    z = t.forward(y)
    assert z[2] == z[3] and np.all(np.diff(z[[0, 1, 2, 4, 5]]) > 0)  # ties share a score
    back, _ = t.inverse(z, None)
    np.testing.assert_allclose(back, y)  # training points map back to their targets
    m = np.linspace(-4, 4, 50)  # beyond the training scores too: strictly increasing
    out, s = t.inverse(m, np.ones(50))
    assert np.all(np.diff(out) > 0) and (s > 0).all()
    with pytest.raises(InvalidArgument, match="targets"):
        make_predictor("gp", targets="nope")


def test_ensemble_members_on_feature_groups():
    """Members on a subset of the feature groups see only those columns; groups need the feature names."""
    from archrank.predictors.ensemble import parse_members

    assert parse_members("rf,gp:graph+zc") == [("rf", ()), ("gp", ("graph", "zc"))]
    for bad in ("rf,nope", "gp:bogus", "", "ensemble"):
        with pytest.raises(InvalidArgument):
            make_predictor("ensemble", members=bad)
    X, y = _data(n=80)
    names = ["enc:0", "enc:1", "graph:a", "zc:s", "zc:t"]
    # the target depends on the first three columns only: a GP on zc:s, zc:t alone (noise) ranks nothing
    p = make_predictor("ensemble", members="ridge_rank:zc").fit(X[:50], y[:50], names=names)
    ((_, cols),) = p._fitted_members
    assert cols.tolist() == [3, 4]
    whole = make_predictor("ensemble", members="ridge_rank").fit(X[:50], y[:50], names=names)
    assert spearman(whole.predict(X[50:]).mean, y[50:]) > spearman(p.predict(X[50:]).mean, y[50:]) + 0.3
    with pytest.raises(InvalidArgument):  # a group subset without the names
        make_predictor("ensemble", members="rf,gp:graph").fit(X[:50], y[:50])
    with pytest.raises(InvalidArgument):  # names of the wrong length
        make_predictor("ensemble").fit(X[:50], y[:50], names=names[:3])
