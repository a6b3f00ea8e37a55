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
5. Clusters that say the same thing in different words (centroid cosine distance below
   ``merge_distance``, or down to ``n_themes``) are merged by average-linkage clustering of their
   centroid embeddings, which keeps themes pure where BERTopic's c-TF-IDF merging mixes them.
6. ``reduce_outliers`` (embedding similarity ≥ ``outlier_threshold``) moves most −1 texts to their
   nearest theme, so the outlier group stays small but off-topic texts stay out.
7. A stop-word ``CountVectorizer`` (English plus greetings/sign-offs; words of at least two texts)
   and ``KeyBERTInspired`` give the top words; the label is the first three distinct words, or the
   name of a matching seed theme.

Seed themes (``{"delivery": ["delivery", "parcel", "late"], ...}`` or ``["delivery", "price"]``)
become BERTopic's ``seed_topic_list`` and name the themes whose top words contain their keywords
(matched as word prefixes: "price" matches "prices").

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
from journey.feedback.lightimport import import_bertopic
from journey.feedback.pii import mask_pii_series
from journey.validation import input_error

MIN_TEXTS = 200
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
    """Themes found in a set of texts.

    ``themes`` has one row per theme (``theme_id``, ``label``, ``size``, ``share``, ``top_words``;
    −1 = outliers, listed last when present); ``document_themes`` is aligned with the input texts
    (same index). ``method`` is ``"bertopic"`` or ``"tfidf_kmeans"`` (small-input fallback),
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

    def to_frame(self) -> pd.DataFrame:
        return self.themes.copy()

    def labels(self) -> pd.Series:
        """``document_themes`` as labels ("Outliers" for −1)."""
        names = dict(zip(self.themes["theme_id"], self.themes["label"], strict=True))
        return self.document_themes.map(lambda t: names.get(int(t), "Outliers")).rename("theme")

    def save(self, path: str | Path) -> Path:
        """Write the result (and the BERTopic model, safetensors, embedding model by local path) to a folder."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.themes.to_parquet(folder / "themes.parquet", index=False)
        self.document_themes.rename("theme_id").to_frame().to_parquet(folder / "document_themes.parquet")
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
        return cls(
            themes=pd.read_parquet(folder / "themes.parquet"),
            document_themes=document_themes,
            model=model,
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


def _seed_match(words: Sequence[str], seeds: dict[str, list[str]], lead: int = 3) -> str | None:
    """The seed theme with most keyword hits among the ``lead`` leading words (prefix match), if any."""
    joined = " ".join(words[:lead]).lower()
    hits = {
        name: sum(bool(re.search(rf"\b{re.escape(k)}", joined)) for k in keywords) for name, keywords in seeds.items()
    }
    best = max(hits, key=lambda name: hits[name], default=None)
    return best if best is not None and hits[best] > 0 else None


def _label(words: Sequence[str], name: str | None = None) -> str:
    if name:
        return name.replace("_", " ").capitalize()
    picked: list[str] = []
    for word in words:
        if not any(part in " ".join(picked).split() for part in word.split()):
            picked.append(word)
        if len(picked) == 3:
            break
    return ", ".join(picked).capitalize() if picked else "(no words)"


def _table(assigned: np.ndarray, words: dict[int, list[str]], names: dict[int, str]) -> pd.DataFrame:
    """Theme table ordered by size (outliers last); ``names`` are seed-theme names by theme id."""
    counts = pd.Series(assigned).value_counts()
    rows = []
    for theme_id, size in counts.items():
        top = [] if theme_id == -1 else words.get(int(theme_id), [])
        label = "Outliers" if theme_id == -1 else _label(top, names.get(int(theme_id)))
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


def themes(
    texts: Sequence[str] | pd.Series,
    seed: int = 0,
    seed_themes: Mapping[str, Sequence[str]] | Sequence[Any] | None = None,
    n_themes: int | None = None,
    *,
    min_texts: int = MIN_TEXTS,
    merge_distance: float = 0.2,
    outlier_threshold: float = 0.3,
    cache_dir: str | Path | None = None,
) -> ThemeResult:
    """Find themes in ``texts`` (see the module docstring for the method and its fallback).

    ``n_themes`` caps the number of themes (None = as many as the data supports). ``seed`` fixes
    every random choice, so the same texts and seed give the same themes.
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
    params = {"min_texts": min_texts, "n_themes": n_themes, "seed_themes": seeds,
              "merge_distance": merge_distance, "outlier_threshold": outlier_threshold}  # fmt: skip
    if len(set(docs)) < min_texts:  # distinct texts: 500 copies of 3 sentences are a small input
        assigned, words, before, names = _fallback(docs, seed, seeds, n_themes)
        method, model = "tfidf_kmeans", None
    else:
        name = memo.key(docs, seed, params)
        stored = memo.load(name, cache_dir)
        if isinstance(stored, ThemeResult):  # the same fit as last time (see journey.feedback.memo)
            document_themes = pd.Series(stored.document_themes.to_numpy(), index=series.index, name="theme_id")
            return replace(stored, document_themes=document_themes.astype("int64"))
        assigned, words, before, model, names = _bertopic(docs, masked, seed, seeds, n_themes, params, cache_dir)
        method = "bertopic"
    table = _table(assigned, words, names)
    document_themes = pd.Series(assigned, index=series.index, name="theme_id", dtype="int64")
    result = ThemeResult(table, document_themes, method, seed, len(docs), before, params, model)
    if method == "bertopic":
        memo.save(name, result, cache_dir)
    return result


def _bertopic(docs, masked, seed, seeds, n_themes, params, cache_dir):
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
    names: dict[int, str] = {}
    if seeds:  # topics whose leading words match a seed theme become one theme of that name
        family = {t: _seed_match([w for w, _ in model.get_topic(t) or []], seeds) for t in set(topics.tolist())}
        first = {}
        for t in sorted(family):
            if t != -1 and family[t] is not None:
                first.setdefault(family[t], t)
        topics = np.array([first[family[t]] if t != -1 and family[t] is not None else t for t in topics])
        names = {t: name for name, t in first.items()}
    merged = _merge_groups(embeddings, np.where(np.isin(topics, list(names)), -2, topics), params["merge_distance"],
                           None if n_themes is None else max(1, n_themes - len(names)))  # fmt: skip
    # Seed themes keep their ids (offset so they cannot collide with merged groups).
    topics = np.where(np.isin(topics, list(names)), 10_000 + topics, merged)
    names = {10_000 + t: name for t, name in names.items()}
    topics, mapping = _renumber(topics, with_mapping=True)
    names = {mapping[t]: name for t, name in names.items() if t in mapping}
    import logging

    logging.getLogger("BERTopic").setLevel(logging.ERROR)  # the "custom assignments" warning is expected
    model.update_topics(docs, topics=topics.tolist(), vectorizer_model=vectorizer, ctfidf_model=ctfidf,
                        representation_model=KeyBERTInspired(top_n_words=10, random_state=seed))  # fmt: skip
    words = {int(t): [w for w, _ in model.get_topic(t) or [] if w] for t in set(topics.tolist())}
    return topics, words, before, model, names


def _vectorizer(docs: Sequence[str]) -> Any:
    """Words and word pairs of at least two texts, as BERTopic's vectorizer (vocabulary fixed here).

    BERTopic fits its vectorizer on one concatenated document per theme, so a ``min_df`` there
    counts themes, not texts (BERTopic#1665, #2402): ``min_df=2`` dropped every word that only one
    theme uses, which are the words that name it, and a theme about sizes ("Size runs small and the
    fabric is thin") was labelled by the words it shares with others ("Perfect, email, help").
    """
    from sklearn.feature_extraction.text import CountVectorizer

    options = {"stop_words": stop_words(), "ngram_range": (1, 2), "token_pattern": _TOKEN}
    try:
        vocabulary = sorted(CountVectorizer(min_df=2, **options).fit(docs).vocabulary_)
    except ValueError:  # no word in two texts: let BERTopic's own fit find what there is
        return CountVectorizer(**options)
    return CountVectorizer(vocabulary=vocabulary, **options)


def _centroids(embeddings: np.ndarray, topics: np.ndarray) -> tuple[list[int], np.ndarray]:
    ids = sorted(set(topics.tolist()) - {-1})
    centroids = np.stack([embeddings[topics == t].mean(axis=0) for t in ids])
    return ids, centroids / np.linalg.norm(centroids, axis=1, keepdims=True)


def _fallback(docs, seed, seeds, n_themes):
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(docs)
    assigned = np.full(n, -1)
    seed_names = list(seeds)
    lowered = [d.lower() for d in docs]
    for i, text in enumerate(lowered):
        hits = [sum(bool(re.search(rf"\b{re.escape(k)}", text)) for k in seeds[name]) for name in seed_names]
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
    for theme in set(renumbered.tolist()) - {-1}:
        weights = np.asarray(matrix[renumbered == theme].mean(axis=0)).ravel()
        words[theme] = [vocab[j] for j in np.argsort(-weights)[:10] if weights[j] > 0]
        original = assigned[renumbered == theme][0]
        if original >= 1000:  # a seed theme is named after its seed
            names[theme] = seed_names[original - 1000]
    return renumbered, words, before, names
