"""Themes in customer feedback: BERTopic, fully offline and reproducible, with a small-input fallback.

Pipeline for ``n >= min_texts`` (default 200) texts, ``method="bertopic"``:

1. PII is masked and the ``[EMAIL]``-style placeholders are removed from what the vectoriser sees.
2. Embeddings come from the packaged all-MiniLM-L6-v2 (:mod:`journey.feedback.embeddings`, cached).
3. UMAP with ``random_state=seed`` (PCA initialisation) reduces them to 5 dimensions, fitted on
   distinct texts only. Its nearest neighbours are computed exactly by scikit-learn beforehand
   (``precomputed_knn``): the same graph UMAP would build, without its slow Python distance loop
   for n < 4096 or pynndescent's minute of JIT compilation. UMAP's own numba code is cached on disk
   (:mod:`journey.feedback.jitcache`), so only the first run on a machine compiles it.
4. HDBSCAN with ``min_cluster_size = max(10, n / 100)`` finds dense clusters (1% of the texts).
5. ``reduce_outliers`` (embedding similarity ≥ ``outlier_threshold``) moves most −1 texts to their
   nearest cluster, so the outlier group stays small but off-topic texts stay out.
6. Sub-themes: clusters that say the same thing in different words (centroid cosine distance below
   ``merge_distance``) are merged by average linkage: on the sample, the 64 phrasings of ten
   complaints ("App keeps crashing", "App force closes") that an analyst drills into.
7. Themes: sub-themes are grouped by average linkage on *centred* centroids (the corpus mean
   subtracted first, as in Mu & Viswanath's "all-but-the-top", 2018): the channel framing every
   text shares ("Hi team, ... Please help.") otherwise dominates the cosine between centroids. The
   tree is cut at ``theme_distance`` into at most ``MAX_THEMES`` themes, or into ``n_themes``: 12
   on the sample, adjusted Rand index 0.61 against the planted topics (0.21 for the sub-themes).
8. Labels: 1-3-word phrases of at least two texts (a stop-word ``CountVectorizer``) ranked by
   c-TF-IDF. A sub-theme's label is, of its five best phrases found word for word in its texts,
   the one most of them use ("App keeps crashing"), else its best word. A theme's candidates are
   its 30 best re-ranked by ``KeyBERTInspired`` plus its sub-themes' five best, ordered by closeness
   to the centred centroid of all its texts and chosen from the same way ("App crashes", not its
   largest phrasing); a theme matching a seed theme takes the seed's name.

Seed themes (``{"delivery": ["delivery", "parcel", "late"], ...}`` or ``["delivery", "price"]``)
become BERTopic's ``seed_topic_list``; the clusters whose top words contain a seed's keywords
(or their inflections: "price" matches "prices", "app" does not match "applied") are its
sub-themes and form one theme named after the seed.

Fewer distinct texts than ``min_texts`` would make HDBSCAN/UMAP unstable, so ``method="tfidf_kmeans"`` is
used instead: texts containing a seed keyword go to that seed theme; the rest are clustered by
k-means on TF-IDF vectors (k = ``n_themes`` or ``round(sqrt(n / 4))`` clipped to 2..8); texts with no
informative word are outliers (−1). Nothing is ever downloaded; see :mod:`journey.feedback.embeddings`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from journey.display.results import ResultMixin
from journey.feedback import memo
from journey.feedback.embeddings import embed, model_path, set_offline
from journey.feedback.jitcache import enable_umap_cache
from journey.feedback.labels import keyword_pattern, phrase_label, seed_match, word_label
from journey.feedback.lightimport import import_bertopic
from journey.feedback.pii import mask_pii_series
from journey.validation import input_error

MIN_TEXTS = 200
MAX_THEMES = 20
"""The most themes a default run reports: a handful a leader can read, sub-themes for the rest. No
least number is forced: three topics split into eight themes would be eight wrong names."""
METHOD = "bertopic sub-themes, centred-centroid theme hierarchy, phrase labels"
"""Named in the memo key (:mod:`journey.feedback.memo`): a result stored by another method is a miss."""
FILLER_WORDS = frozenset(
    {"hi", "hello", "hey", "dear", "thanks", "thank", "thx", "regards", "cheers", "team", "please", "pls",
     "honestly", "overall", "seriously", "really", "just", "ok", "okay", "lol", "guys", "hope", "fair",
     # channel framing: a ticket, a review, a post to @shop or #customerservice is not what it is about
     "shop", "store", "customerservice", "review", "reviews", "ticket", "order", "orders", "ordered", "buy",
     "bought", "month", "second", "fix", "fail", "happy", "rest", "stars", "look", "contact", "wonderful",
     "that's", "it's", "i'm", "i've", "don't", "didn't", "can't", "won't", "does"}
)  # fmt: skip
"""Greetings, sign-offs, channel framing and fillers that every channel adds and no theme is about."""
_TOKEN = r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b"
"""Words of two or more characters that start with a letter: numbers ("12 days", "$45") are no theme."""
_PLACEHOLDER = re.compile(
    r"(?:(?<!my )(?<!our )(?<!your )(?<!the )"  # "my email [EMAIL] is wrong" is about an email address
    r"\b(?:e-?mail|mail|call|phone|text|ring|contact|reach|write)(?:\s+(?:me|us))?(?:\s+(?:at|on))?\s+)?"
    r"\[(?:URL|EMAIL|IBAN|CARD|IP|PHONE|ADDRESS)\]",
    re.IGNORECASE,
)
"""A masked detail and the words that introduce it ("Email [EMAIL]", "call me on [PHONE]"): neither
says what the text is about, and "email" from contact lines crept into unrelated themes' labels."""


def stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | FILLER_WORDS)


def _seed_lists(seed_themes: Mapping[str, Sequence[str]] | Sequence[Any] | None) -> dict[str, list[str]]:
    if not seed_themes:
        return {}
    if isinstance(seed_themes, Mapping):
        items = {str(k): [str(w).lower() for w in v] for k, v in seed_themes.items()}
    else:
        items = {}
        for entry in seed_themes:
            words = [entry] if isinstance(entry, str) else list(entry)
            items[str(words[0])] = [str(w).lower() for w in words]
    for name, words in items.items():
        if not words:
            raise input_error("seed_themes", f"theme {name!r} has no keywords", "a list of keywords per theme")
    return items


@dataclass(frozen=True, slots=True)
class ThemeResult(ResultMixin):
    """Themes found in a set of texts, and the finer sub-themes they group.

    ``themes`` has one row per theme (``theme_id``, ``label``, ``size``, ``share``, ``top_words``;
    −1 = outliers, listed last when present); ``document_themes`` is aligned with the input texts
    (same index). ``sub_themes`` has one row per sub-theme (``sub_theme_id``, ``theme_id`` of its
    theme, ``label``, ``size``, ``share``, ``top_words``) and ``document_sub_themes`` gives each
    text's sub-theme: the level an analyst drills into. ``method`` is ``"bertopic"`` or
    ``"tfidf_kmeans"`` (small-input fallback, one level: sub-themes are the themes),
    ``outliers_before`` the −1 count before outlier reduction, ``params`` the settings used.
    """

    caption = "Feedback themes"

    themes: pd.DataFrame
    document_themes: pd.Series
    method: str
    seed: int
    n_docs: int
    outliers_before: int
    params: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False, compare=False)
    sub_themes: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    document_sub_themes: pd.Series | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.themes.copy()

    def labels(self) -> pd.Series:
        """``document_themes`` as labels ("Outliers" for −1)."""
        names = dict(zip(self.themes["theme_id"], self.themes["label"], strict=True))
        return self.document_themes.map(lambda t: names.get(int(t), "Outliers")).rename("theme")

    def sub_labels(self) -> pd.Series:
        """``document_sub_themes`` as labels ("Outliers" for −1); the theme labels when there is one level."""
        if self.document_sub_themes is None or self.sub_themes.empty:
            return self.labels().rename("sub_theme")
        names = dict(zip(self.sub_themes["sub_theme_id"], self.sub_themes["label"], strict=True))
        return self.document_sub_themes.map(lambda t: names.get(int(t), "Outliers")).rename("sub_theme")

    def save(self, path: str | Path) -> Path:
        """Write the result (and the BERTopic model, safetensors, embedding model by local path) to a folder."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.themes.to_parquet(folder / "themes.parquet", index=False)
        self.document_themes.rename("theme_id").to_frame().to_parquet(folder / "document_themes.parquet")
        if self.document_sub_themes is not None:
            self.sub_themes.to_parquet(folder / "sub_themes.parquet", index=False)
            sub = self.document_sub_themes.rename("sub_theme_id").to_frame()
            sub.to_parquet(folder / "document_sub_themes.parquet")
        meta = {"method": self.method, "seed": self.seed, "n_docs": self.n_docs,
                "outliers_before": self.outliers_before, "params": self.params}  # fmt: skip
        (folder / "result.json").write_text(json.dumps(meta, indent=2, default=str))
        if self.model is not None:
            self.model.save(
                str(folder / "bertopic"), serialization="safetensors", save_ctfidf=True,
                save_embedding_model=model_path(),
            )  # fmt: skip
        return folder

    @classmethod
    def load(cls, path: str | Path) -> ThemeResult:
        """Read a result written by :meth:`save` (the model is loaded offline from the local path)."""
        folder = Path(path)
        if not (folder / "result.json").exists():
            raise input_error(str(folder), "no saved theme result here", "a folder written by ThemeResult.save")
        meta = json.loads((folder / "result.json").read_text())
        model = None
        if (folder / "bertopic").exists():
            set_offline()
            import_bertopic()  # without torch/transformers; the embedder below is the cache
            from bertopic import BERTopic

            model = BERTopic.load(str(folder / "bertopic"), embedding_model=_cached_embedder(None))
        document_themes = pd.read_parquet(folder / "document_themes.parquet")["theme_id"]
        sub_themes, document_sub_themes = pd.DataFrame(), None
        if (folder / "document_sub_themes.parquet").exists():
            sub_themes = pd.read_parquet(folder / "sub_themes.parquet")
            document_sub_themes = pd.read_parquet(folder / "document_sub_themes.parquet")["sub_theme_id"]
        return cls(
            themes=pd.read_parquet(folder / "themes.parquet"),
            document_themes=document_themes,
            model=model,
            sub_themes=sub_themes,
            document_sub_themes=document_sub_themes,
            **meta,
        )


def _cached_embedder(cache_dir: str | Path | None) -> Any:
    """A BERTopic embedding backend that goes through the disk cache (see :mod:`.cachedembedder`)."""
    from journey.feedback.cachedembedder import CachedEmbedder

    return CachedEmbedder(cache_dir)


class _KnnUMAP:
    """UMAP fed an exact k-nearest-neighbour graph (see the module docstring, step 3)."""

    def __init__(
        self, seed: int, n_neighbors: int = 15, n_components: int = 5, cache_dir: str | Path | None = None
    ) -> None:
        self.seed, self.n_neighbors, self.n_components = seed, n_neighbors, n_components
        self.cache_dir = cache_dir
        self.umap: Any = None

    def fit_transform(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        """Fit on the distinct rows (repeated texts share one point) and map back to every row.

        HDBSCAN still sees every repeat, so density is kept; UMAP does less work, and exact ties
        between identical rows cannot make the neighbour graph depend on float noise. The search
        runs on one BLAS thread in bounded chunks: the same numbers in any process, no 1 GB block.
        """
        import warnings

        from sklearn import config_context
        from sklearn.neighbors import NearestNeighbors
        from threadpoolctl import threadpool_limits
        from umap import UMAP

        enable_umap_cache(self.cache_dir)  # compiled once per machine, not once per process
        _, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first)  # distinct rows in order of first occurrence
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        unique, inverse = X[first[order]], rank[np.ravel(inverse)]
        labels = None if y is None else np.asarray(y)[first[order]]  # repeats share their seed label
        k = max(2, min(self.n_neighbors, len(unique) - 1))
        with threadpool_limits(1), config_context(working_memory=128):
            nn = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(unique)
            distances, indices = nn.kneighbors(unique)
        self.umap = UMAP(
            n_neighbors=k, n_components=self.n_components, min_dist=0.0, metric="cosine", random_state=self.seed,
            n_epochs=200, init="pca", precomputed_knn=(indices, distances, None), low_memory=True,
        )  # fmt: skip
        with warnings.catch_warnings():  # "n_jobs overridden by random_state": single thread is the point
            warnings.simplefilter("ignore", UserWarning)
            coords = self.umap.fit_transform(unique, y=labels)
        return coords[inverse]

    def fit(self, X: np.ndarray, y: Any = None) -> _KnnUMAP:
        self.fit_transform(X, y)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.umap.transform(X)


def _table(assigned: np.ndarray, words: dict[int, list[str]], names: dict[int, str]) -> pd.DataFrame:
    """Theme table ordered by size (outliers last); ``names`` are seed-theme names by theme id."""
    counts = pd.Series(assigned).value_counts()
    rows = []
    for theme_id, size in counts.items():
        top = [] if theme_id == -1 else words.get(int(theme_id), [])
        label = "Outliers" if theme_id == -1 else word_label(top, names.get(int(theme_id)))
        rows.append({"theme_id": int(theme_id), "label": label, "size": int(size),
                     "share": size / len(assigned), "top_words": ", ".join(top[:8])})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["theme_id", "label", "size", "share", "top_words"])
    frame["_outlier"] = frame["theme_id"].eq(-1)
    frame = frame.sort_values(["_outlier", "size", "theme_id"], ascending=[True, False, True])
    frame = frame.drop(columns="_outlier").reset_index(drop=True)
    # Same labels for two themes would confuse a reader: add the next distinct top word.
    duplicated = frame["label"].duplicated(keep=False) & frame["theme_id"].ne(-1)
    for i in frame.index[duplicated]:
        extra = [w for w in frame.at[i, "top_words"].split(", ") if w.lower() not in frame.at[i, "label"].lower()]
        frame.at[i, "label"] = f"{frame.at[i, 'label']} ({extra[0] if extra else frame.at[i, 'theme_id']})"
    return frame


def _renumber(topics: np.ndarray, with_mapping: bool = False):
    """Ids 0.. by decreasing size (ties by old id); −1 stays −1."""
    counts = pd.Series(topics[topics >= 0]).value_counts()
    order = sorted(counts.index, key=lambda t: (-counts[t], t))
    mapping = {int(old): new for new, old in enumerate(order)}
    out = np.array([mapping.get(int(t), -1) for t in topics])
    return (out, mapping) if with_mapping else out


def _merge_groups(embeddings: np.ndarray, topics: np.ndarray, distance: float, n_themes: int | None) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    ids = sorted(set(topics.tolist()) - {-1, -2})  # -2 marks texts of seed themes, kept apart
    if len(ids) < 2 or (n_themes is not None and len(ids) <= n_themes):
        return topics
    centroids = np.stack([embeddings[topics == t].mean(axis=0) for t in ids])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    clusterer = AgglomerativeClustering(
        n_clusters=n_themes, distance_threshold=None if n_themes else distance, metric="cosine", linkage="average"
    )
    groups = clusterer.fit_predict(centroids)
    mapping = dict(zip(ids, groups.tolist(), strict=True))
    return np.array([mapping.get(int(t), int(t)) for t in topics])


def _group_themes(
    embeddings: np.ndarray, subs: np.ndarray, seed_of: dict[int, str], distance: float, n_themes: int | None
) -> dict[int, int]:
    """The theme of each sub-theme (module docstring, step 7): a seed theme's sub-themes form that
    theme; the others are grouped by average linkage on centred centroids, cut at ``distance`` with
    at most ``MAX_THEMES``, or at ``n_themes`` (seed themes count towards both)."""
    from sklearn.cluster import AgglomerativeClustering

    ids = sorted(set(subs.tolist()) - {-1})
    seeded = sorted({seed_of[s] for s in ids if s in seed_of})
    group = {s: seeded.index(seed_of[s]) for s in ids if s in seed_of}
    free = [s for s in ids if s not in seed_of]
    offset = len(seeded)
    if len(free) < 2:
        return group | {s: offset + i for i, s in enumerate(free)}
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    centred = np.stack([unit[subs == s].mean(axis=0) for s in free]) - unit.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    if n_themes is not None:
        k = min(len(free), max(1, n_themes - offset))
    else:
        cut = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average")
        k = min(cut.fit(centred).n_clusters_, max(1, MAX_THEMES - offset))
    labels = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(centred)
    return group | {s: offset + int(g) for s, g in zip(free, labels, strict=True)}


def _sub_table(subs: np.ndarray, theme_of_sub: dict[int, int], words: dict[int, list[str]],
               names: dict[int, str]) -> pd.DataFrame:  # fmt: skip
    """Sub-theme table: the theme table's columns, keyed ``sub_theme_id``, with its ``theme_id``."""
    frame = _table(subs, words, names).rename(columns={"theme_id": "sub_theme_id"})
    frame.insert(1, "theme_id", [theme_of_sub.get(int(s), -1) for s in frame["sub_theme_id"]])
    return frame


def themes(
    texts: Sequence[str] | pd.Series,
    seed: int = 0,
    seed_themes: Mapping[str, Sequence[str]] | Sequence[Any] | None = None,
    n_themes: int | None = None,
    *,
    min_texts: int = MIN_TEXTS,
    merge_distance: float = 0.2,
    theme_distance: float = 0.85,
    outlier_threshold: float = 0.3,
    cache_dir: str | Path | None = None,
) -> ThemeResult:
    """Find themes and their sub-themes in ``texts`` (see the module docstring for the method and its fallback).

    ``n_themes`` sets the number of themes (None = cut the hierarchy at ``theme_distance``, at most
    ``MAX_THEMES``; 12 on the sample); ``merge_distance`` joins near-identical clusters into sub-themes. ``seed``
    fixes every random choice, so the same texts and seed give the same themes and labels.
    """
    if isinstance(texts, str):
        raise input_error("themes(texts)", "got a single string", "a sequence of texts")
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    bad = [(i, v) for i, v in enumerate(series.tolist()) if not isinstance(v, str)]
    if bad:
        raise input_error("themes(texts)", f"non-string value {bad[0][1]!r} at position {bad[0][0]}", "strings")
    if len(series) == 0:
        raise input_error("themes(texts)", "no texts", "at least one text")
    if n_themes is not None and n_themes < 1:
        raise input_error("parameter 'n_themes'", f"is {n_themes}", "a positive number or None")
    seeds = _seed_lists(seed_themes)
    masked = mask_pii_series(series.reset_index(drop=True)).texts.astype(str).tolist()
    docs = [_PLACEHOLDER.sub(" ", t) for t in masked]
    params = {"min_texts": min_texts, "n_themes": n_themes, "seed_themes": seeds, "merge_distance": merge_distance,
              "theme_distance": theme_distance, "outlier_threshold": outlier_threshold}  # fmt: skip
    index = series.index
    if len(set(docs)) < min_texts:  # distinct texts: 500 copies of 3 sentences are a small input
        assigned, words, before, names = _fallback(docs, seed, seeds, n_themes)
        table = _table(assigned, words, names)
        sub_table = _sub_table(assigned, {int(t): int(t) for t in table["theme_id"]}, words, names)
        result = ThemeResult(
            table, pd.Series(assigned, index=index, name="theme_id", dtype="int64"), "tfidf_kmeans", seed, len(docs),
            before, params, None, sub_table, pd.Series(assigned, index=index, name="sub_theme_id", dtype="int64"),
        )  # fmt: skip
        return result
    name = memo.key(docs, seed, params, method=METHOD)
    stored = memo.load(name, cache_dir)
    if isinstance(stored, ThemeResult) and stored.document_sub_themes is not None:  # see journey.feedback.memo
        return replace(
            stored,
            document_themes=pd.Series(stored.document_themes.to_numpy(), index=index, name="theme_id"),
            document_sub_themes=pd.Series(stored.document_sub_themes.to_numpy(), index=index, name="sub_theme_id"),
        )
    fit = _bertopic(docs, masked, seed, seeds, n_themes, params, cache_dir)
    result = ThemeResult(
        _table(fit.topics, fit.words, fit.labels),
        pd.Series(fit.topics, index=index, name="theme_id", dtype="int64"),
        "bertopic", seed, len(docs), fit.before, params, fit.model,
        _sub_table(fit.subs, fit.theme_of_sub, fit.sub_words, fit.sub_labels),
        pd.Series(fit.subs, index=index, name="sub_theme_id", dtype="int64"),
    )  # fmt: skip
    memo.save(name, result, cache_dir)
    return result


@dataclass(frozen=True, slots=True)
class _Fit:
    """What :func:`_bertopic` found: both levels' assignments, ranked words and labels, and the model."""

    topics: np.ndarray
    subs: np.ndarray
    theme_of_sub: dict[int, int]
    words: dict[int, list[str]]
    sub_words: dict[int, list[str]]
    labels: dict[int, str]
    sub_labels: dict[int, str]
    before: int
    model: Any


def _bertopic(docs, masked, seed, seeds, n_themes, params, cache_dir) -> _Fit:
    set_offline()
    import_bertopic()  # without torch/transformers: a rerun with every embedding cached never needs them
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired
    from bertopic.vectorizers import ClassTfidfTransformer
    from hdbscan import HDBSCAN

    n = len(docs)
    embeddings = embed(masked, cache_dir=cache_dir)
    min_cluster = max(10, n // 100)
    params.update(min_cluster_size=min_cluster, min_samples=max(5, min_cluster // 3))
    vectorizer = _vectorizer(docs)
    # Words frequent in every theme (channel framing such as "@shop", "order", "ticket") are damped.
    ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
    model = BERTopic(
        embedding_model=_cached_embedder(cache_dir),
        umap_model=_KnnUMAP(seed, cache_dir=cache_dir),
        hdbscan_model=HDBSCAN(min_cluster_size=min_cluster, min_samples=params["min_samples"], prediction_data=True),
        vectorizer_model=vectorizer,
        ctfidf_model=ctfidf,
        seed_topic_list=[list(v) for v in seeds.values()] or None,
        calculate_probabilities=False,
    )
    topics, _ = model.fit_transform(docs, embeddings=embeddings.copy())
    topics = np.asarray(topics)
    before = int((topics == -1).sum())
    if before and len(set(topics.tolist())) > 1:
        topics = np.asarray(
            model.reduce_outliers(
                docs, topics.tolist(), strategy="embeddings", embeddings=embeddings,
                threshold=params["outlier_threshold"],
            )
        )  # fmt: skip
    seed_of: dict[int, str] = {}  # clusters whose leading words match a seed theme: its sub-themes
    if seeds:
        family = {t: seed_match([w for w, _ in model.get_topic(t) or []], seeds) for t in set(topics.tolist())}
        seed_of = {t: f for t, f in family.items() if t != -1 and f is not None}
    is_seeded = np.isin(topics, list(seed_of))
    merged = _merge_groups(embeddings, np.where(is_seeded, -2, topics), params["merge_distance"], None)
    subs = np.where(is_seeded, 10_000 + topics, merged)  # offset: seed clusters cannot collide with merged ones
    subs, mapping = _renumber(subs, with_mapping=True)
    seed_of = {mapping[10_000 + t]: f for t, f in seed_of.items() if 10_000 + t in mapping}
    group = _group_themes(embeddings, subs, seed_of, params["theme_distance"], n_themes)
    topics, mapping = _renumber(np.array([group.get(int(s), -1) for s in subs]), with_mapping=True)
    theme_of_sub = {s: mapping[g] for s, g in group.items()}
    names = {theme_of_sub[s]: f for s, f in seed_of.items()}
    import logging

    logging.getLogger("BERTopic").setLevel(logging.ERROR)  # the "custom assignments" warning is expected
    ranked: list[dict[int, list[str]]] = []
    for level in (subs, topics):  # sub-themes first: the model keeps the theme level, as it is saved
        # Sub-themes by c-TF-IDF alone: KeyBERTInspired embeds its 30 candidates per topic, which for
        # 64 sub-themes doubled a cold fit (35 s -> 65 s). Themes by KeyBERTInspired; not by
        # MaximalMarginalRelevance, which reads the embedding cache once per theme (12 s of 22 s).
        representation = (
            None if level is subs else KeyBERTInspired(10, nr_repr_docs=10, nr_candidate_words=30, random_state=seed)
        )
        model.update_topics(docs, topics=level.tolist(), vectorizer_model=vectorizer, ctfidf_model=ctfidf,
                            representation_model=representation)  # fmt: skip
        ranked.append({int(t): [w for w, _ in model.get_topic(t) or [] if w] for t in set(level.tolist())})
    sub_labels = {t: phrase_label(ranked[0][t], [docs[j] for j in rows]) for t, rows in _members(subs).items()}
    labels = _theme_phrases(embeddings, docs, topics, subs, ranked, cache_dir)
    return _Fit(topics, subs, theme_of_sub, ranked[1], ranked[0], labels | names, sub_labels, before, model)


def _theme_phrases(
    embeddings: np.ndarray, docs: Sequence[str], topics: np.ndarray, subs: np.ndarray,
    ranked: list[dict[int, list[str]]], cache_dir: str | Path | None,
) -> dict[int, str]:  # fmt: skip
    """A theme's label: of the phrases ranked for it and for its sub-themes, the one closest to the
    centred centroid of all its texts (step 7's centring), so a theme of six phrasings is named for
    what they share ("Late delivery"), not for its largest phrasing ("Courier kept rescheduling")."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    pools = {}
    for t, rows in _members(topics).items():
        words = ranked[1].get(t, []) + [
            w for s in np.unique(subs[rows]) if s != -1 for w in ranked[0].get(int(s), [])[:5]
        ]
        pools[t] = list(dict.fromkeys(words))
    phrases = sorted({w for pool in pools.values() for w in pool})
    if not phrases:
        return {}
    vectors = embed(phrases, cache_dir=cache_dir)  # the themes' were cached by KeyBERTInspired
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    position = {w: i for i, w in enumerate(phrases)}
    labels = {}
    for t, rows in _members(topics).items():
        centroid = unit[rows].mean(axis=0) - unit.mean(axis=0)
        scores = {w: float(vectors[position[w]] @ centroid) for w in pools[t]}
        order = sorted(pools[t], key=lambda w: (-scores[w], w))
        labels[t] = phrase_label(order, [docs[j] for j in rows], lead=len(order))
    return labels


def _members(level: np.ndarray) -> dict[int, np.ndarray]:
    """Positions of each theme's texts (outliers left out)."""
    return {int(t): np.flatnonzero(level == t) for t in np.unique(level) if t != -1}


def _vectorizer(docs: Sequence[str]) -> Any:
    """Phrases of one to three words found in at least two texts, as BERTopic's vectorizer (vocabulary fixed here).

    BERTopic fits its vectorizer on one concatenated document per theme, so a ``min_df`` there
    counts themes, not texts (BERTopic#1665, #2402): ``min_df=2`` dropped every word that only one
    theme uses, which are the words that name it, and a theme about sizes ("Size runs small and the
    fabric is thin") was labelled by the words it shares with others ("Perfect, email, help").
    """
    from sklearn.feature_extraction.text import CountVectorizer

    options = {"stop_words": stop_words(), "ngram_range": (1, 3), "token_pattern": _TOKEN}
    try:
        vocabulary = sorted(CountVectorizer(min_df=2, **options).fit(docs).vocabulary_)
    except ValueError:  # no word in two texts: let BERTopic's own fit find what there is
        return CountVectorizer(**options)
    return CountVectorizer(vocabulary=vocabulary, **options)


def _fallback(docs, seed, seeds, n_themes):
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(docs)
    assigned = np.full(n, -1)
    seed_names = list(seeds)
    lowered = [d.lower() for d in docs]
    for i, text in enumerate(lowered):
        hits = [sum(bool(keyword_pattern(k).search(text)) for k in seeds[name]) for name in seed_names]
        if hits and max(hits) > 0:
            assigned[i] = 1000 + int(np.argmax(hits))  # seed themes first, renumbered below
    rest = np.flatnonzero(assigned == -1)
    words: dict[int, list[str]] = {}
    vectorizer = TfidfVectorizer(stop_words=stop_words(), ngram_range=(1, 1), sublinear_tf=True, token_pattern=_TOKEN)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # only stop words everywhere
        return assigned, words, n, {}
    vocab = np.array(vectorizer.get_feature_names_out())
    informative = np.asarray(matrix.getnnz(axis=1) > 0)
    rest = rest[informative[rest]]
    if len(rest) >= 2:
        k = n_themes if n_themes else int(np.clip(round(math.sqrt(len(rest) / 4)), 2, 8))
        k = max(1, min(k, len(rest)))
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(matrix[rest])
        assigned[rest] = labels
    elif len(rest) == 1:
        assigned[rest] = 0
    before = int((assigned == -1).sum())
    renumbered = _renumber(assigned)
    names: dict[int, str] = {}
    # Labels and top words from 1-3-word phrases (k-means above clusters on single words).
    phrases = TfidfVectorizer(stop_words=stop_words(), ngram_range=(1, 3), sublinear_tf=True, token_pattern=_TOKEN)
    weighted = phrases.fit_transform(docs)
    vocab = np.array(phrases.get_feature_names_out())
    for theme in set(renumbered.tolist()) - {-1}:
        weights = np.asarray(weighted[renumbered == theme].mean(axis=0)).ravel()
        words[theme] = [vocab[j] for j in np.argsort(-weights, kind="stable")[:10] if weights[j] > 0]
        names[theme] = phrase_label(words[theme], [docs[i] for i in np.flatnonzero(renumbered == theme)])
        original = assigned[renumbered == theme][0]
        if original >= 1000:  # a seed theme is named after its seed
            names[theme] = seed_names[original - 1000]
    return renumbered, words, before, names
