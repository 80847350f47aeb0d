"""benchmarks/bench_table_profile.py: seconds per heuristic and per shared pass, the merged passes in use."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_table_profile.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_table_profile_under_test", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_profile_of_one_class(shared_data, tmp_path, monkeypatch, capsys):
    out = tmp_path / "profile.json"
    monkeypatch.setattr(sys, "argv", ["bench_table_profile.py", "--classes", "1", "--warmup", "0", "--heuristics",
                                      "params,naswot,jacob_cov,grad_norm,grasp", "--data-dir", str(shared_data),
                                      "--json", str(out)])
    _load().main()
    text = capsys.readouterr().out
    assert "1 canonical classes, 5 heuristics" in text and "FAILED" not in text
    prof = json.loads(out.read_text())
    assert set(prof["heuristics"]) == {"params", "naswot", "jacob_cov", "grad_norm", "grasp"}
    # The profile runs as a build does: the merged passes serve naswot with jacob_cov, grasp with grad_norm.
    assert {"input_jacobian_codes", "loss_grads_graph", "build"} <= set(prof["passes"])
    assert "relu_codes" in prof["passes"] and prof["passes"]["relu_codes"] < prof["passes"]["input_jacobian_codes"]
    assert all(v >= 0 for v in prof["passes"].values())
