"""journey personalize export: one CSV row per customer, written atomically; bad rules exit 2 in one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from journey import config
from journey.cli import app
from journey.personalize import ACTION_COLUMNS

runner = CliRunner()
RULES = config.playbooks_dir() / "personalization" / "rules.yml"


def test_export_writes_one_action_per_sample_customer(tmp_path: Path) -> None:
    target = tmp_path / "out" / "actions.csv"
    result = runner.invoke(app, ["personalize", "export", str(RULES), str(target)])
    assert result.exit_code == 0, result.output
    actions = pd.read_csv(target)
    assert list(actions.columns) == ["customer_id", *ACTION_COLUMNS]
    assert actions["customer_id"].is_unique and len(actions) > 100
    assert actions["rule"].notna().all()  # the example ends with a catch-all rule
    assert set(actions["group"]) == {"treatment", "holdout"}
    assert actions.loc[actions["group"] == "holdout", "content"].isna().all()
    assert f"{len(actions):,} customers" in result.output
    assert not list(target.parent.glob(".*.tmp"))  # the temporary file was renamed, not left behind


def test_export_reads_risk_bands_from_a_file(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    assert runner.invoke(app, ["personalize", "export", str(RULES), str(first)]).exit_code == 0
    ids = pd.read_csv(first)["customer_id"]
    risk = tmp_path / "risk.csv"
    pd.DataFrame({"customer_id": ids, "risk_band": "high"}).to_csv(risk, index=False)
    target = tmp_path / "actions.csv"
    result = runner.invoke(app, ["personalize", "export", str(RULES), str(target), "--risk", str(risk)])
    assert result.exit_code == 0, result.output
    assert "keep-champions" not in set(pd.read_csv(target)["rule"])  # that rule needs a low or medium band


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda raw: raw["rules"][0]["when"].update(segment=["whales"]), "unknown segment 'whales'"),
        (lambda raw: raw.update(colour="blue"), "colour: unknown key"),
    ],
)
def test_bad_rules_exit_2_with_one_line_and_leave_the_target_alone(tmp_path: Path, edit, message: str) -> None:
    raw = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    edit(raw)
    rules = tmp_path / "bad.yml"
    rules.write_text(yaml.safe_dump(raw), encoding="utf-8")
    target = tmp_path / "actions.csv"
    target.write_text("previous export\n", encoding="utf-8")
    result = runner.invoke(app, ["personalize", "export", str(rules), str(target)])
    assert result.exit_code == 2
    assert message in result.output and result.output.startswith("error: bad.yml: ")
    assert len(result.output.strip().splitlines()) == 1
    assert target.read_text(encoding="utf-8") == "previous export\n"
