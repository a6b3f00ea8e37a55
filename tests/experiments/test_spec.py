"""Experiment playbooks: validation, the shipped specs, and the scaffold."""

import datetime as dt

import pytest
import yaml

from journey import experiments as ab
from journey.experiments.spec import ExperimentSpec, list_specs, load_spec, new_experiment
from journey.validation import JourneyInputError


@pytest.mark.parametrize("name", ["checkout-redesign", "free-shipping-banner", "onboarding-email"])
def test_shipped_playbooks_validate_and_build_metrics(name):
    spec = load_spec(name)
    metrics = spec.build_metrics()
    assert metrics[0].role == "primary"
    assert all(m.margin for m in metrics if m.role == "guardrail")
    assert spec.sample_size_per_arm >= ab.sample_size(
        "proportion" if metrics[0].kind == "proportion" else "mean",
        baseline=spec.baseline,
        std=spec.std,
        mde=spec.mde,
        alpha=spec.alpha,
        power=spec.power,
    )


def test_new_experiment_writes_a_valid_playbook_with_sample_size(tmp_path):
    path = new_experiment("price-test", baseline=0.1, mde=0.1, start_date="2026-12-01", directory=tmp_path)
    spec = load_spec(path)
    assert spec.sample_size_per_arm == ab.sample_size("proportion", baseline=0.1, mde=0.1) == 14749
    assert spec.start_date == dt.date(2026, 12, 1)
    assert "14,749 users per arm" in path.read_text()
    with pytest.raises(JourneyInputError, match="already exists"):
        new_experiment("price-test", directory=tmp_path)
    assert list_specs(tmp_path) == ["price-test"]


def _valid() -> dict:
    return yaml.safe_load(
        (load_spec.__globals__["config"].playbooks_dir() / "experiments/checkout-redesign.yml").read_text()
    )


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update(colour="red"), "colour: unknown key"),
        (lambda d: d.update(schedule="every monday"), "not a valid cron"),
        (lambda d: d.update(variants={"control": 0.5, "treatment": 0.6}), "sum to 1"),
        (lambda d: d.update(control="base"), "control 'base'"),
        (lambda d: d["metrics"]["guardrails"][0].pop("margin"), "needs a margin"),
        (lambda d: d["metrics"]["primary"][0].update(kind="ratio"), "needs a denominator"),
        (lambda d: d.update(name="Checkout Redesign"), "slug"),
        (lambda d: d.update(novelty="purchases"), r"novelty metric 'purchases' is not a metric.*'purchase'"),
        (lambda d: d.update(novelty="orders_per_session"), r"no per-day values.*'converted', 'revenue'"),
    ],
)
def test_bad_playbooks_are_clear_errors(tmp_path, change, match):
    data = _valid()
    change(data)
    path = tmp_path / "x.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(JourneyInputError, match=match):
        load_spec(path)


def test_unknown_experiment_lists_playbooks():
    with pytest.raises(JourneyInputError, match="checkout-redesign"):
        load_spec("nope")


def test_spec_model_is_frozen_and_strict():
    spec = load_spec("checkout-redesign")
    assert isinstance(spec, ExperimentSpec)
    assert spec.planned_users == 2 * spec.sample_size_per_arm


def test_novelty_metric_is_named_by_the_playbook_or_defaults_to_the_first_primary(tmp_path):
    data = _valid()
    data["novelty"] = "revenue_per_user"
    path = tmp_path / "x.yml"
    path.write_text(yaml.safe_dump(data))
    spec = load_spec(path)
    assert spec.novelty_metric().name == "revenue_per_user"
    daily = spec.novelty_metric().build_daily()  # per-day table: same column, no per-user covariates
    assert isinstance(daily, ab.Mean) and daily.column == "revenue" and not daily.covariates
    data.pop("novelty")
    path.write_text(yaml.safe_dump(data))
    assert load_spec(path).novelty_metric().name == "purchase"  # default: the first primary metric
    # a first primary metric the per-day table cannot follow: no novelty check rather than a guess
    assert load_spec("onboarding-email").novelty_metric() is None
