"""journey export airflow: a DAG file Airflow can parse without journey, whose tasks build one complete run."""

from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path

import pytest

from journey.runs.airflow import export_dag
from journey.runs.index import collect_runs
from tests.conftest import JOURNEY, run_journey
from tests.helpers import make_project, write_notebook

AIRFLOW_RUN_ID = "scheduled__2026-12-07T06:00:00+00:00"  # what Airflow renders for {{ run_id }}
PLAYBOOK = """name: two-step
description: two reports
audience: tests
schedule: '0 7 * * MON'
timezone: Europe/Berlin
retry_after_s: 30
parameters: {shared: 5}
reports:
  - {name: first, notebook: first.ipynb, parameters: {n: 2}}
  - {name: second, notebook: second.ipynb}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    monkeypatch.delenv("JOURNEY_REPORTS_DIR", raising=False)
    make_project(tmp_path)
    write_notebook(tmp_path / "notebooks" / "first.ipynb", "n: int = 1  # a number\nshared: int = 0  # shared", "n")
    write_notebook(tmp_path / "notebooks" / "second.ipynb", "shared: int = 0  # shared", "shared")
    (tmp_path / "playbooks" / "two-step.yml").write_text(PLAYBOOK)
    return tmp_path


class Dag:
    """What the DAG file says, read with ``ast`` only (nothing of it runs)."""

    def __init__(self, path: Path) -> None:
        self.tree = ast.parse(path.read_text())
        self.constants = {
            node.targets[0].id: ast.literal_eval(node.value)
            for node in self.tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        }
        (self.block,) = [node for node in self.tree.body if isinstance(node, ast.With)]
        self.dag = self.block.items[0].context_expr
        self.tasks = {}  # variable -> keyword arguments of its BashOperator
        for node in self.block.body:
            if isinstance(node, ast.Assign) and node.value.func.id == "BashOperator":
                self.tasks[node.targets[0].id] = {k.arg: k.value for k in node.value.keywords}

    def imported(self) -> set[str]:
        names = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names.add(node.module.split(".")[0])
        return names

    def keyword(self, name: str) -> ast.expr:
        return next(k.value for k in self.dag.keywords if k.arg == name)

    def chain(self) -> list[str]:
        """Task ids along the ``a >> b >> c`` statement."""
        (expr,) = [node.value for node in self.block.body if isinstance(node, ast.Expr)]
        names = []
        while isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.RShift):
            names.insert(0, expr.right.id)
            expr = expr.left
        names.insert(0, expr.id)
        return [self.tasks[name]["task_id"].value for name in names]

    def command(self, task_id: str) -> tuple[str, dict]:
        """The task's shell command and environment as Airflow renders them for one DAG run."""
        task = next(t for t in self.tasks.values() if t["task_id"].value == task_id)
        env = {k: v.replace("{{ run_id }}", AIRFLOW_RUN_ID) for k, v in self.constants["ENV"].items()}
        return task["bash_command"].value, env


def test_the_dag_file_has_the_playbook_schedule_zone_tasks_and_parameters_without_importing_journey(project):
    dag = Dag(export_dag("playbooks/two-step.yml", project / "dags", JOURNEY))
    assert dag.imported() <= {"__future__", "datetime", "pendulum", "airflow"}  # Airflow parses it often
    assert dag.constants["SCHEDULE"] == "0 7 * * MON" and dag.constants["TIMEZONE"] == "Europe/Berlin"
    assert ast.unparse(dag.keyword("schedule")) == "SCHEDULE"  # schedule=, valid in Airflow 2.4+ and 3
    assert ast.unparse(dag.keyword("start_date")) == "pendulum.datetime(2024, 1, 1, tz=TIMEZONE)"
    assert ast.literal_eval(dag.keyword("catchup")) is False and ast.literal_eval(dag.keyword("max_active_runs")) == 1
    assert ast.literal_eval(dag.keyword("dag_id")) == "journey_two_step"
    assert "'retries': 1" in ast.unparse(dag.keyword("default_args"))
    assert "datetime.timedelta(seconds=30)" in ast.unparse(dag.keyword("default_args"))
    # the parameters each notebook gets: the playbook's shared ones it declares, then its own
    assert dag.constants["REPORTS"] == [
        {"name": "first", "notebook": "first.ipynb", "parameters": {"shared": 5, "n": 2}},
        {"name": "second", "notebook": "second.ipynb", "parameters": {"shared": 5}},
    ]
    assert dag.chain() == ["first", "second", "finish_run"]
    rules = {t["task_id"].value: t["trigger_rule"].value for t in dag.tasks.values()}
    assert rules == {"first": "all_success", "second": "all_done", "finish_run": "all_done"}
    first, env = dag.command("first")
    assert f'{JOURNEY} run playbooks/two-step.yml --run-id "$JOURNEY_RUN_ID"' in first
    assert first.endswith("--only first") and "--wait" in first and env["JOURNEY_ROOT"] == str(project)
    assert dag.command("finish_run")[0].endswith("--finish")


def test_the_task_commands_build_one_complete_scheduled_run_that_is_the_index_latest(project):
    dag = Dag(export_dag("playbooks/two-step.yml", project / "dags", JOURNEY))
    for task_id in dag.chain():
        command, env = dag.command(task_id)
        done = subprocess.run(["bash", "-c", command], env={**os.environ, **env}, capture_output=True, text=True)
        assert done.returncode == 0, (task_id, done.stdout, done.stderr)
    (folder,) = (project / "reports" / "two-step").iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "first.html",
        "first.ipynb",
        "second.html",
        "second.ipynb",
        "run.json",
    }
    record = json.loads((folder / "run.json").read_text())
    assert (record["status"], record["adhoc"], record["external_run_id"]) == ("ok", False, AIRFLOW_RUN_ID)
    assert [(r["name"], r["parameters"]) for r in record["reports"]] == [
        ("first", {"n": 2, "shared": 5}),
        ("second", {"shared": 5}),
    ]
    (entry,) = collect_runs(project / "reports")
    assert entry["latest"]["run_id"] == folder.name and entry["adhoc"] == []


def test_a_task_refuses_to_run_a_playbook_changed_since_the_export(project):
    dag = Dag(export_dag("playbooks/two-step.yml", project / "dags", JOURNEY))
    path = project / "playbooks" / "two-step.yml"
    path.write_text(PLAYBOOK.replace("0 7 * * MON", "0 8 * * MON"))
    command, env = dag.command("first")
    done = subprocess.run(["bash", "-c", command], env={**os.environ, **env}, capture_output=True, text=True)
    assert done.returncode == 2
    assert "changed since the Airflow DAG was exported" in " ".join(done.stderr.split())
    assert not (project / "reports" / "two-step").exists()


def test_export_through_the_cli_writes_the_dag_file_atomically(project):
    result = run_journey(project, "export", "airflow", "playbooks/two-step.yml", "--out", "dags")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (project / "dags").iterdir()] == ["journey_two_step.py"]  # no temporary left


def test_airflow_loads_the_dag(project):
    pytest.importorskip(
        "airflow",
        reason="Airflow is not installed in this environment (a scheduler with its own dependency set; "
        "the ast checks above cover the file); install apache-airflow to load the DAG with DagBag",
    )
    from airflow.models import DagBag

    folder = export_dag("playbooks/two-step.yml", project / "dags", JOURNEY).parent
    bag = DagBag(dag_folder=str(folder), include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag("journey_two_step")
    assert [t.task_id for t in dag.topological_sort()] == ["first", "second", "finish_run"]
    assert str(dag.timezone.name) == "Europe/Berlin"
