"""Feature specs, GRAF-style graph features on every space, heuristic scores from a store, evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.predictors import feature_matrix, graph_feature_names, graph_features, parse_features, zc_scores
from archrank.predictors.evaluate import evaluate_predictor
from archrank.spaces import SPACES, get_space


def test_parse_features():
    s = parse_features("encoding,graph,zc:meco,meco_opt")
    assert (s.encoding, s.graph, s.zc) == (True, True, ("meco", "meco_opt"))
    assert parse_features("zc:all").zc_all
    assert parse_features("graph").text() == "graph"
    assert parse_features(" zc:a , encoding ").text() == "encoding,zc:a"
    for bad in ("", "nope", "zc:", "encoding,zc:all,meco", "meco"):
        with pytest.raises(InvalidArgument):
            parse_features(bad)


def _nb201(arch):
    sp = get_space("nb201")
    return dict(zip(graph_feature_names(sp), graph_features(sp, arch)))


def test_nb201_graph_features_by_hand():
    f = _nb201(("nor_conv_3x3",) * 6)
    # paths 0->3: direct, via 1, via 2, via 1 and 2
    assert f["count:nor_conv_3x3"] == 6 and f["paths"] == 4 and f["paths:nor_conv_3x3"] == 4
    assert f["depth_max"] == 3 and f["depth_min"] == 1 and f["in_output"] == 3
    # only the edge 3<-0 carries an operation (a skip), the rest are zero
    f = _nb201(("none", "none", "none", "skip_connect", "none", "none"))
    assert f["paths"] == 1 and f["count:skip_connect"] == 1 and f["depth_max"] == f["depth_min"] == 1
    # a conv feeding node 1, which nothing reads: dead, not counted
    f = _nb201(("nor_conv_1x1", "none", "none", "avg_pool_3x3", "none", "none"))
    assert f["count:nor_conv_1x1"] == 0 and f["count:avg_pool_3x3"] == 1 and f["paths:avg_pool_3x3"] == 1
    # no path at all
    f = _nb201(("none",) * 6)
    assert f["paths"] == 0 and f["live_nodes"] == 0


def test_nb101_graph_features_by_hand():
    sp = get_space("nb101")
    arch = sp.make([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
                   ["input", "conv3x3-bn-relu", "maxpool3x3", "output"])
    f = dict(zip(graph_feature_names(sp), graph_features(sp, arch)))
    assert f["paths"] == 2 and f["count:conv3x3-bn-relu"] == 1 and f["count:maxpool3x3"] == 1
    assert f["depth_max"] == f["depth_min"] == 1 and f["paths:conv1x1-bn-relu"] == 0


def _archrank_spaces() -> list[str]:
    """archrank's own spaces (grid spaces included); a test's plug-in space (``toy``) may have none."""
    return [n for n in SPACES.names() if type(get_space(n)).__module__.startswith("archrank.")]


@pytest.mark.parametrize("name", _archrank_spaces())
def test_graph_features_are_defined_for_every_space(name):
    sp = get_space(name)
    rng = np.random.default_rng(0)
    archs = [sp.sample(rng) for _ in range(5)]
    rows = np.stack([graph_features(sp, a) for a in archs])
    assert rows.shape == (5, len(graph_feature_names(sp))) and np.isfinite(rows).all()
    X, names = feature_matrix(sp, archs, "encoding,graph")
    assert X.shape == (5, len(names)) and np.isfinite(X).all()


def test_zc_columns_squashed_and_missing_as_nan():
    sp = get_space("nb201")
    archs = [sp.index_to_arch(i) for i in range(3)]
    vals = {"h": {sp.format(archs[0]): 1e6, sp.format(archs[1]): -2.0}}
    X, names = feature_matrix(sp, archs, "zc:h", vals)
    assert names == ["zc:h"]
    assert X[0, 0] == pytest.approx(np.log1p(1e6)) and X[1, 0] == pytest.approx(-np.log1p(2.0))
    assert np.isnan(X[2, 0])
    with pytest.raises(InvalidArgument, match="no scores of heuristic 'other'"):
        feature_matrix(sp, archs, "zc:other", vals)


def test_missing_scores_are_computed_by_a_scoring_run():
    from archrank.store import open_store

    sp = get_space("nb201")
    archs = [sp.index_to_arch(i) for i in (0, 5, 9)]
    with open_store("memory://") as store:
        vals = zc_scores(sp, archs, ["params"], store=store)
        assert set(vals["params"]) == {sp.format(a) for a in archs}
        assert len(store.scores(space="nb201", heuristic="params")) == 3
        assert zc_scores(sp, archs, ["all"], store=store, compute=False) == vals
        assert zc_scores(sp, [sp.index_to_arch(11)], ["params"], store=store, compute=False) == vals


def test_evaluation_protocol():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    truth = X[:, 0] + 0.1 * rng.normal(size=200)
    ev = evaluate_predictor(X, truth, labels=30, predictor="ridge_rank", samples=3)
    assert ev.population == 200 and len(ev.results) == 3 and ev.mean("spearman") > 0.8
    assert len({r.seed for r in ev.results}) == 3
    again = evaluate_predictor(X, truth, labels=30, predictor="ridge_rank", samples=3)
    assert again.to_json() == ev.to_json() | {"fit_seconds_mean": again.to_json()["fit_seconds_mean"]}
    # a cheap label correlated with the truth still ranks it; rows with NaN are left out
    truth[:10] = np.nan
    ev = evaluate_predictor(X, truth, labels=30, predictor="ridge_rank", label_values=X[:, 0] ** 3, samples=2)
    assert ev.population == 190 and ev.mean("spearman") > 0.8
    with pytest.raises(InvalidArgument, match="fewer than 2 to predict"):
        evaluate_predictor(X, truth, labels=189, predictor="ridge_rank")
