"""The playbook runner end to end: a failing notebook does not stop the others, and nothing is half-written."""

from __future__ import annotations

import json
import os
import time

import pytest

from journey.runs.playbooks import load_playbook
from journey.runs.runner import plan
from journey.validation import JourneyInputError
from tests.conftest import build_e2e_project, run_journey


def _run_dir(root):
    runs = [p for p in (root / "reports" / "e2e").iterdir()]
    assert len(runs) == 1, runs
    return runs[0]


def test_failing_notebook_fails_the_run_but_not_the_other_reports(e2e_run):
    root, result = e2e_run
    assert result.returncode == 1, result.stderr
    run_dir = _run_dir(root)
    assert {p.name for p in run_dir.iterdir()} == {
        "ok.html", "ok.ipynb", "boom.html", "boom.ipynb", "hostile.html", "hostile.ipynb", "run.json",
    }  # fmt: skip
    record = json.loads((run_dir / "run.json").read_text())
    status = {r["name"]: r["status"] for r in record["reports"]}
    assert status == {"ok": "ok", "boom": "failed", "hostile": "ok"}
    assert record["status"] == "failed"
    assert "planted failure" in record["error"]
    assert "1 report(s) failed" in result.stderr and "boom" in result.stderr


def test_run_json_records_parameters_commit_fingerprint_and_timings(e2e_run):
    root, _ = e2e_run
    record = json.loads((_run_dir(root) / "run.json").read_text())
    ok = next(r for r in record["reports"] if r["name"] == "ok")
    assert ok["parameters"] == {"factor": 3, "x": 2}
    assert ok["seconds"] >= ok["cells_seconds"] > 0
    assert set(record) >= {"git_commit", "data_fingerprint", "started_at", "seconds", "parameters"}


def test_failed_report_still_renders_with_the_error_shown(e2e_run):
    root, _ = e2e_run
    html = (_run_dir(root) / "boom.html").read_text()
    assert "status-failed" in html
    assert "planted failure for the end-to-end test" in html
    assert "Before the failure" in html


def test_report_has_header_summary_first_and_no_code(e2e_run):
    root, _ = e2e_run
    html = (_run_dir(root) / "ok.html").read_text()
    assert "A report that works" in html and "Parameters" in html and "Data window" in html
    assert "x times factor is 6" in html
    assert "import matplotlib" not in html
    assert html.count("jp-CodeCell jp-Notebook-cell") == html.count("jp-mod-noInput") > 0
    assert 'alt="A line from x to factor"' in html
    assert "cdnjs" not in html and "<script src" not in html


def test_index_lists_the_run_and_marks_the_failure(e2e_run):
    root, _ = e2e_run
    index = (root / "reports" / "index.html").read_text()
    assert "e2e" in index and "status-failed" in index and "boom.html" in index


def test_no_temporary_or_partial_files_are_left(e2e_run):
    root, _ = e2e_run
    locks = root / "reports" / ".locks"  # the playbook locks stay, released (journey.runs.lock)
    leftovers = [p for p in (root / "reports").rglob("*") if p.name.startswith(".") and locks not in (p, *p.parents)]
    assert leftovers == []
    assert [p.name for p in locks.iterdir()] == ["e2e.lock"]


def test_only_runs_the_named_report(tmp_path):
    root = build_e2e_project(tmp_path)
    result = run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok", "--param", "x=5")
    assert result.returncode == 0, result.stderr
    record = json.loads((_run_dir(root) / "run.json").read_text())
    assert [r["name"] for r in record["reports"]] == ["ok"]
    assert record["reports"][0]["parameters"]["x"] == 5


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("audience:", "audiences:"), r"audiences: unknown key"),
        (lambda t: t.replace('"*/5 * * * *"', '"every monday"'), r"not a valid cron expression"),
        (lambda t: t.replace("notebook: boom.ipynb", "notebook: ../boom.ipynb"), r"outside notebooks/"),
        (lambda t: t.replace("{x: 2}", "{y: 2}"), r"unknown parameter 'y' for ok.ipynb; expected one of 'factor', 'x'"),
        (lambda t: t.replace("{x: 2}", "{x: two}"), r"parameter 'x' = 'two' is a str; expected int"),
        (lambda t: t.replace("notebook: ok.ipynb", "notebook: missing.ipynb"), r"notebook 'missing.ipynb' not found"),
        (lambda t: t.replace("factor: 3", "factr: 3"), r"shared parameter 'factr' is declared by no report"),
    ],
)
def test_bad_playbooks_are_rejected_before_anything_runs(tmp_path, monkeypatch, edit, message):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    path = root / "playbooks" / "e2e.yml"
    path.write_text(edit(path.read_text()))
    with pytest.raises(JourneyInputError) as caught:
        plan(load_playbook(path), None, {}, "e2e.yml")
    assert message in str(caught.value)


def test_bad_playbook_exits_2_through_the_cli_and_writes_nothing(tmp_path):
    root = build_e2e_project(tmp_path)
    path = root / "playbooks" / "e2e.yml"
    path.write_text(path.read_text().replace("{x: 2}", "{x: two}"))
    result = run_journey(root, "run", "playbooks/e2e.yml")
    assert result.returncode == 2, result.stderr
    assert "e2e.yml: report 'ok': parameter 'x' = 'two' is a str; expected int" in " ".join(result.stderr.split())
    assert not (root / "reports").exists()


def test_unknown_cli_param_is_rejected(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    with pytest.raises(JourneyInputError, match=r"--param 'nope' is declared by no report"):
        plan(load_playbook(root / "playbooks" / "e2e.yml"), None, {"nope": "1"}, "e2e.yml")


def test_mistyped_cli_param_is_rejected(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    with pytest.raises(JourneyInputError, match=r"--param x: value 'abc' is not a valid int"):
        plan(load_playbook(root / "playbooks" / "e2e.yml"), None, {"x": "abc"}, "e2e.yml")


def test_missing_playbook_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_ROOT", str(build_e2e_project(tmp_path)))
    with pytest.raises(JourneyInputError, match="playbook not found"):
        load_playbook("playbooks/nope.yml")


def test_a_notebook_can_declare_its_own_data_window(tmp_path):
    from tests.helpers import write_notebook

    root = build_e2e_project(tmp_path)
    write_notebook(
        root / "notebooks" / "ok.ipynb",
        "x: int = 1  # a number\nfactor: int = 2  # shared factor\nstart_date: str = ''  # first day\n"
        "end_date: str = '2026-11-22'  # last day\nwindow_days: int = 7  # days",
        "from journey import report\nreport.data_window('experiment dates 2026-09-28 to 2026-11-22')",
    )
    result = run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok")
    assert result.returncode == 0, result.stderr
    html = next((root / "reports" / "e2e").glob("*/ok.html")).read_text()
    header = html.split("</header>")[0]
    assert "experiment dates 2026-09-28 to 2026-11-22" in header


def test_planning_queries_the_latest_day_once_per_source(monkeypatch):
    import datetime as dt

    from journey import config
    from journey.runs import runner

    calls = []

    def fake_latest(source):
        calls.append(source)
        return dt.date(2026, 11, 22)

    monkeypatch.setattr(runner, "_latest_day", fake_latest)
    book = load_playbook(config.playbooks_dir() / "weekly-journey-review.yml")
    planned = plan(book, None, {}, "weekly")
    assert len(planned) == len(book.reports) > 1
    assert calls == ["data/sample/journey.duckdb"]
    # each report's window ends on the latest day and starts window_days before it (inclusive days)
    for _, params in planned:
        expected = dt.date(2026, 11, 22) - dt.timedelta(days=int(params["window_days"]) - 1)
        assert params["start_date"] == expected.isoformat() and params["end_date"] == "2026-11-22"


def test_data_fingerprint_hashes_small_files_and_stats_large_ones(tmp_path, monkeypatch):
    from journey.runs import runner

    data = tmp_path / "warehouse.duckdb"
    data.write_bytes(b"x" * 64)
    small = runner.data_fingerprint(str(data))
    assert small.startswith("sha256:")
    data.write_bytes(b"y" * 64)  # same size and name, other bytes: another fingerprint
    assert runner.data_fingerprint(str(data)) != small
    monkeypatch.setattr(runner, "CONTENT_HASH_LIMIT", 10)  # now the file counts as large
    large = runner.data_fingerprint(str(data))
    assert large.startswith("sha256+stat:")
    os.utime(data, ns=(1, 1))  # touched: the stat-based fingerprint changes too
    assert runner.data_fingerprint(str(data)) != large


def test_a_crashed_worker_fails_its_report_with_a_rendered_page(tmp_path):
    from journey import config
    from journey.runs import runner

    notebook = config.project_root() / "notebooks" / "00-journey-overview.ipynb"
    job = runner.ReportJob(
        name="overview", title="Journey overview", notebook=str(notebook), parameters={"window_days": 28},
        work_dir=str(tmp_path), timeout_s=60, window="not windowed (all data)", cwd=str(tmp_path),
    )  # fmt: skip
    outcome = runner._crashed(job, MemoryError("killed by the OOM killer"))
    assert (outcome.name, outcome.status, outcome.ipynb, outcome.html) == ("overview", "failed", "", "overview.html")
    assert outcome.error == "worker crashed: MemoryError: killed by the OOM killer"
    assert outcome.notebook == "notebooks/00-journey-overview.ipynb" and outcome.parameters == {"window_days": 28}
    page = (tmp_path / "overview.html").read_text()
    assert "status-failed" in page and "worker crashed" in page


def _one_cell_notebook(path, source: str) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x: int = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return str(path)


@pytest.mark.parametrize(
    ("source", "error"),
    [("import time\ntime.sleep(30)", "CellTimeoutError"), ("import os\nos._exit(1)", "DeadKernelError")],
)
def test_a_cell_past_its_timeout_or_a_dead_kernel_fails_the_report_instead_of_hanging_the_run(
    tmp_path, source, error, monkeypatch
):
    # a scheduled run is unattended: a notebook that loops or whose kernel dies must end as a
    # failed report within its timeout (papermill only enforces both with an async kernel manager)
    from journey.runs import runner

    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    (tmp_path / "notebooks").mkdir()
    notebook = _one_cell_notebook(tmp_path / "notebooks" / "stuck.ipynb", source)
    job = runner.ReportJob(
        name="stuck", title="Stuck", notebook=notebook, parameters={},
        work_dir=str(tmp_path), timeout_s=3, window="not windowed (all data)", cwd=str(tmp_path),
        prepare_next=False,
    )  # fmt: skip
    started = time.perf_counter()
    outcome = runner.execute_report(job)
    assert outcome.status == "failed" and error in outcome.error
    assert time.perf_counter() - started < 25


def test_a_failing_progress_display_and_personal_data_in_an_error_do_not_reach_the_run(tmp_path, monkeypatch):
    # the CLI prints each report's error; text like "[/]" once made rich raise and the run was
    # deleted. The run goes on whatever the display does, and the error is masked and kept.
    from journey.runs import runner
    from journey.runs.playbooks import Playbook, ReportSpec

    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    (tmp_path / "notebooks").mkdir()
    _one_cell_notebook(tmp_path / "notebooks" / "fails.ipynb", "raise ValueError('[/] mail carol@example.com')")
    _one_cell_notebook(tmp_path / "notebooks" / "works.ipynb", "y = x + 1")
    reports = [ReportSpec(name="fails", notebook="fails.ipynb"), ReportSpec(name="works", notebook="works.ipynb")]
    book = Playbook(name="pb", description="d", audience="analysts", schedule="0 7 * * 1", reports=reports)
    planned = [(report, {}) for report in book.reports]

    def broken_display(outcome, done, total):
        raise RuntimeError("closing tag '[/]' has nothing to close")

    outcomes = runner._execute_all(book, planned, tmp_path, 1, broken_display)
    assert [(o.name, o.status) for o in outcomes] == [("fails", "failed"), ("works", "ok")]
    assert outcomes[0].error == "ValueError: [/] mail [EMAIL]"


def test_a_damaged_notebook_a_bad_list_value_and_a_folder_are_one_line_errors(tmp_path, monkeypatch):
    from journey.runs import notebook_params

    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    (root / "notebooks" / "ok.ipynb").write_text("{not json")
    with pytest.raises(JourneyInputError, match=r"ok.ipynb: is not a readable notebook"):
        plan(load_playbook(root / "playbooks" / "e2e.yml"), None, {}, "e2e.yml")
    with pytest.raises(JourneyInputError, match=r"--param segs: value '\[a' is not a valid list"):
        notebook_params.coerce("[a", "list", "--param segs")
    with pytest.raises(JourneyInputError, match=r"playbooks: is a folder, not a playbook"):
        load_playbook(root / "playbooks")


def test_a_bad_date_names_the_playbook_and_the_report():
    from journey import config

    book = load_playbook(config.playbooks_dir() / "weekly-journey-review.yml")
    with pytest.raises(JourneyInputError) as caught:
        plan(book, ["overview"], {"end_date": "2024-13-01"}, "weekly-journey-review.yml")
    assert str(caught.value).startswith("weekly-journey-review.yml: report 'overview': parameter 'end_date'")


def test_a_window_left_to_the_notebooks_defaults_is_resolved_and_stated(tmp_path, monkeypatch):
    # the playbook passes no window: the notebook's defaults (7 days to 2026-11-22) are what it
    # will read, so they are what the header and the index state, not "all data"
    from journey.runs import runner
    from tests.helpers import write_notebook

    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    write_notebook(
        root / "notebooks" / "ok.ipynb",
        "x: int = 1  # a number\nfactor: int = 2  # shared factor\nstart_date: str = ''  # first day\n"
        "end_date: str = '2026-11-22'  # last day\nwindow_days: int = 7  # days",
        "x",
    )
    (_, parameters), *_ = plan(load_playbook(root / "playbooks" / "e2e.yml"), ["ok"], {}, "e2e.yml")
    assert (parameters["start_date"], parameters["end_date"], parameters["window_days"]) == (
        "2026-11-16",
        "2026-11-22",
        7,
    )
    assert runner._window_text(parameters) == "2026-11-16 to 2026-11-22 (7 days, UTC)"


def test_a_report_that_kills_its_worker_fails_alone(tmp_path, monkeypatch):
    # the kernel's parent is the pool worker: killing it breaks the pool, and the reports that
    # were running or waiting beside it run again in pools of their own
    from journey.runs import runner
    from journey.runs.playbooks import Playbook, ReportSpec

    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    (tmp_path / "notebooks").mkdir()
    _one_cell_notebook(
        tmp_path / "notebooks" / "killer.ipynb", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    )
    _one_cell_notebook(tmp_path / "notebooks" / "slow.ipynb", "import time\ntime.sleep(3)")
    names = ["killer", "slow", "after"]
    reports = [ReportSpec(name=n, notebook="killer.ipynb" if n == "killer" else "slow.ipynb") for n in names]
    book = Playbook(name="pb", description="d", audience="analysts", schedule="0 7 * * 1", reports=reports)
    outcomes = runner._execute_all(book, [(r, {}) for r in reports], tmp_path, 2, None)
    assert [(o.name, o.status) for o in outcomes] == [("killer", "failed"), ("slow", "ok"), ("after", "ok")]
    assert outcomes[0].error.startswith("worker crashed: BrokenProcessPool")
