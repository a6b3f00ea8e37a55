"""Import BERTopic without torch, transformers and sentence-transformers, which themes() never calls.

``import bertopic`` imports its optional LLM and vision extras (``TextGeneration``,
``ZeroShotClassification``, ``VisualRepresentation``, ``MultiModalBackend``) and, through them,
transformers, sentence-transformers and torch: about 4-5 s of a 2-core rerun whose embeddings all
come from the cache (:mod:`journey.feedback.embeddings` loads torch itself when it has to embed).
:func:`import_bertopic` imports the package with those four modules held back and puts their names
back as lazy attributes (PEP 562 ``__getattr__``): ``from bertopic.representation import
TextGeneration`` still works and imports transformers at that moment. ``bertopic._save_utils``
only needs torch for ``serialization="pytorch"``; it gets a stand-in that imports the real torch on
first use. Nothing that BERTopic computes changes; only when the imports happen.

If BERTopic is already imported (by the user, or torch-based code before it), it is left as it is.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_OPTIONAL = {
    "bertopic.backend": {"MultiModalBackend": "bertopic.backend._multimodal"},
    "bertopic.representation": {
        "TextGeneration": "bertopic.representation._textgeneration",
        "ZeroShotClassification": "bertopic.representation._zeroshot",
        "VisualRepresentation": "bertopic.representation._visual",
    },
}
"""Package → name → module that defines it and imports transformers/torch at its top."""


class _Deferred(types.ModuleType):
    """Stands in for a module during one import; the first attribute use imports the real module."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _lazy_names(package: types.ModuleType, names: dict[str, str]) -> None:
    """Replace BERTopic's "not installed" placeholders by attributes that import the real module."""
    for name in names:
        package.__dict__.pop(name, None)
    previous = package.__dict__.get("__getattr__")

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
            setattr(package, name, value)
            return value
        if previous is not None:
            return previous(name)
        raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}")

    package.__getattr__ = __getattr__  # type: ignore[method-assign]


def import_bertopic() -> types.ModuleType:
    """The ``bertopic`` module, imported without its torch-based extras when it is not loaded yet."""
    if "bertopic" in sys.modules:
        return sys.modules["bertopic"]
    from journey.feedback.embeddings import set_offline

    set_offline()  # offline Hugging Face, and no tqdm "IProgress not found" (umap imports tqdm.auto) in reports
    # scipy.stats' array-API check looks at sys.modules["torch"] when it is first imported (through
    # UMAP and hdbscan, below); it must not meet the stand-in, or that look imports the real torch.
    import scipy.stats  # noqa: F401

    held = [module for names in _OPTIONAL.values() for module in names.values() if module not in sys.modules]
    stand_in = "torch" not in sys.modules
    for module in held:
        sys.modules[module] = None  # type: ignore[assignment]  # an import of it raises ModuleNotFoundError
    if stand_in:
        sys.modules["torch"] = _Deferred("torch")
    try:
        bertopic = importlib.import_module("bertopic")
    finally:
        for module in held:
            if sys.modules.get(module, False) is None:
                del sys.modules[module]
        if stand_in and isinstance(sys.modules.get("torch"), _Deferred):
            del sys.modules["torch"]
    for package, names in _OPTIONAL.items():
        deferred = {name: module for name, module in names.items() if module in held}
        if deferred:
            _lazy_names(sys.modules[package], deferred)
    return bertopic
