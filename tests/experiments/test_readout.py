"""The readout's orchestration: analysis, looks, novelty from the playbook, the summary sentences."""

import pandas as pd
import pytest

from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.experiments.decision import decide
from journey.experiments.readout import Readout, readout
from journey.experiments.spec import load_spec


def _sample_database() -> None:
    from journey.config import default_database

    if not default_database().exists():
        pytest.skip("sample database not built")


@pytest.mark.slow
def test_readout_on_sample_finds_the_planted_effects():
    _sample_database()
    r = readout(None, "onboarding-email")
    assert r.result.srm.flagged and r.decision.verdict == "don't ship"
    assert r.novelty is None  # its primary metric has no per-day values and the playbook names none
    r = readout(None, "checkout-redesign")
    assert r.decision.verdict == "ship"
    assert 3 <= len(r.summary()) <= 5
    assert r.novelty is not None and r.novelty.metric == "purchase"  # the playbook's novelty metric


@pytest.mark.slow
def test_readout_follows_the_novelty_metric_the_playbook_names():
    _sample_database()
    spec = load_spec("checkout-redesign").model_copy(update={"novelty": "revenue_per_user"})
    r = readout(None, "checkout-redesign", spec=spec)
    assert r.novelty.metric == "revenue_per_user"
    assert r.novelty.to_frame()["effect_size"].abs().max() > 0.01  # revenue per day, not conversion


def test_summary_words_numbers_with_the_shared_helpers():
    res = ab.analyze(make_experiment(users=4_000, seed=2), metrics=[ab.Proportion("converted")])
    ro = Readout(load_spec("checkout-redesign"), res, decide(res), None, (), None, pd.DataFrame({"power": [0.42]}))
    lines = ro.summary()
    r = res.get("converted")
    assert r.rel_ci_lower < 0 and "(95% CI \N{MINUS SIGN}" in lines[2]  # typographic minus, as every sentence
    assert lines[-1] == "Power reached for the planned 30% effect: 42%."


def test_public_names_load_on_first_use_and_functions_shadow_their_modules() -> None:
    # `journey experiment new` needs the spec only; the engine (analyze, ibis) loads on first use of ab.*.
    import subprocess
    import sys

    code = (
        "import sys, types\n"
        "import journey.experiments as ab\n"
        "import journey.experiments.spec\n"
        "print('journey.experiments.analyze' in sys.modules, 'ibis' in sys.modules)\n"
        "import journey.experiments.readout, journey.experiments.segments\n"  # submodules imported directly
        "print(all(callable(f) and not isinstance(f, types.ModuleType) for f in "
        "(ab.readout, ab.segments, ab.sequential, ab.srm, ab.analyze)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
