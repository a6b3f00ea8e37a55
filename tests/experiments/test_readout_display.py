"""The readout's display: SRM banner, decision block and the notebook's tables."""

from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.experiments.decision import decide

METRICS = [ab.Proportion("converted"), ab.Mean("revenue", role="guardrail", margin=0.10)]


def test_srm_banner_blocks_and_escapes():
    from journey.experiments.srm import srm_from_counts

    flagged = ab.srm_banner(srm_from_counts({"<b>a</b>": 1000, "b": 800}))._repr_html_()
    assert 'role="alert"' in flagged and "<b>a</b>" not in flagged and "&lt;b&gt;" in flagged
    assert flagged.lower().count("sample ratio mismatch") == 1  # said once, not "mismatch. Sample ratio mismatch:"
    assert "alert" not in ab.srm_banner(srm_from_counts({"a": 1000, "b": 1001}))._repr_html_()


def test_tables_for_the_notebook():
    res = ab.analyze(make_experiment(users=4_000, seed=2), metrics=METRICS)
    chance = ab.chance_table(res).to_frame()
    assert list(chance.columns) == ["metric", "variant", "chance_to_win", "rel_expected_loss"]
    forest = ab.forest_frame(res)
    assert forest.loc[1, "margin"] == -0.10
    block = ab.decision_block(decide(res))._repr_html_()
    assert "Rule:" in block
