"""BERTopic imported without torch/transformers; its optional extras stay importable on first use."""

from __future__ import annotations

import os
import subprocess
import sys
import types

# A fresh process, because what is imported is the point of the test.
_CHILD = """
import sys
from journey.feedback.lightimport import import_bertopic
import_bertopic()
import os, warnings
assert os.environ["HF_HUB_OFFLINE"] == "1"  # no model download can start from a BERTopic import
with warnings.catch_warnings(record=True) as caught:  # the filters in force after the import
    warnings.warn("IProgress not found. Please update jupyter and ipywidgets.", UserWarning)
assert not caught, caught  # tqdm.auto's notebook warning would land in the feedback report
from bertopic import BERTopic
from bertopic.representation import KeyBERTInspired
heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
assert not heavy, heavy
import bertopic._save_utils as save_utils
assert save_utils._has_torch  # BERTopic still knows torch is installed
from bertopic.representation import TextGeneration, ZeroShotClassification
from bertopic.backend import MultiModalBackend
for cls in (TextGeneration, ZeroShotClassification, MultiModalBackend):
    assert isinstance(cls, type) and cls.__module__.startswith("bertopic."), cls  # real classes, not placeholders
import numpy as np, torch
assert type(sys.modules["torch"]).__name__ == "module"
assert isinstance(save_utils.torch.from_numpy(np.zeros(2)), torch.Tensor)  # the stand-in reaches real torch
import bertopic.representation
try:
    bertopic.representation.NoSuchName
except AttributeError as error:
    assert "NoSuchName" in str(error)
else:
    raise AssertionError("unknown names must still raise AttributeError")
print("ok")
"""


def test_bertopic_imports_without_torch_and_extras_load_on_first_use() -> None:
    # without the offline switches conftest sets for the suite: the import itself must set them
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "PYTHONWARNINGS"))}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_an_already_imported_bertopic_is_left_alone(monkeypatch) -> None:
    from journey.feedback.lightimport import import_bertopic

    loaded = types.ModuleType("bertopic")
    monkeypatch.setitem(sys.modules, "bertopic", loaded)
    assert import_bertopic() is loaded
