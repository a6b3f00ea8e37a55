"""The pip path and the conda path install the same thing, and the README's commands are the real ones."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pinned(lines):
    return {
        re.split(r"==", line)[0].lower().replace("_", "-"): line.split("==")[1]
        for line in lines
        if "==" in line and not line.startswith("#")
    }


def test_environment_yml_installs_the_pip_spec():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip_section == ["-r requirements.lock", "-e ."]
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile


def test_lock_pins_every_direct_dependency_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = _pinned((ROOT / "requirements.lock").read_text().splitlines())
    direct = project["dependencies"] + project["optional-dependencies"]["dev"]
    for spec in direct:
        name = re.split(r"[\[<>=;\s]", spec, maxsplit=1)[0].lower().replace("_", "-")
        assert name in lock, f"{name} is in pyproject.toml but not pinned in requirements.lock"
    assert lock["torch"] == "2.13.0"
    assert requires_python_is_311(project["requires-python"])


def requires_python_is_311(spec: str) -> bool:
    return ">=3.11" in spec and "<3.12" in spec


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    lines = (ROOT / "README.md").read_text().splitlines()
    head = "\n".join(lines[:6])
    assert "make report" in head and "make test" in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_reports_folder_exists_in_a_clone_with_only_its_readme_tracked():
    # The layout promises reports/; git keeps it through its README and ignores what runs write there.
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "reports"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert tracked.stdout.split() == ["reports/README.md"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "reports/index.html", "reports/weekly/run-1/overview.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == ["reports/index.html", "reports/weekly/run-1/overview.html"]
    assert "! -name README.md" in (ROOT / "Makefile").read_text()  # make clean-reports keeps it


def test_readme_layout_names_every_library_module():
    # The layout reads as the README says: each subpackage and each module file of lib/journey
    # appears in the README's annotated tree (between 'lib/journey/' and 'data/').
    text = (ROOT / "README.md").read_text()
    tree = text[text.index("lib/journey/   ") : text.index("\ndata/ ")]
    library = ROOT / "lib" / "journey"
    missing = []
    for path in sorted(library.rglob("*.py")):
        if path.name == "__init__.py" or "__pycache__" in path.parts:
            continue
        if not re.search(rf"(?<![\w/]){re.escape(path.name)}(?!\w)", tree):
            missing.append(str(path.relative_to(library)))
    packages = sorted(p.name for p in library.iterdir() if (p / "__init__.py").exists())
    missing += [f"{name}/" for name in packages if f"  {name}/ " not in tree]
    assert not missing, f"README layout does not mention: {missing}"


def test_the_suite_runs_the_docstring_examples_of_the_library():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "lib" in config["testpaths"] and "--doctest-modules" in config["addopts"]
    examples = [p for p in (ROOT / "lib" / "journey").rglob("*.py") if ">>> " in p.read_text(encoding="utf-8")]
    assert len(examples) >= 10  # modules whose examples run as tests (26 examples when this was written)
