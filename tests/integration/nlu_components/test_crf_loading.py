"""The CRF read back from its stored taggers tags exactly as the CRF Rasa trains again at load.

The trained model's CRF resource is loaded both ways, and every tagger of both is asked for the
marginal probabilities of every token of every sentence the CRF was trained on.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.nlu.constants import ENTITY_ATTRIBUTE_TYPE

from nlu_components.crf_loading import QuickLoadCRFEntityExtractor, tagger_file
from tests.integration.nlu_components.story_steps import MODEL


@pytest.fixture(scope="module")
def stored() -> Iterator[tuple[LocalModelStorage, dict[str, Any], Resource, ExecutionContext]]:
    """The unpacked model's storage, and the CRF node's config and resource in it."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    with tempfile.TemporaryDirectory() as tmp:
        storage, metadata = LocalModelStorage.from_model_archive(Path(tmp), MODEL)
        schema: GraphSchema = metadata.predict_schema
        (node,) = (n for n in schema.nodes.values() if n.uses is QuickLoadCRFEntityExtractor)
        context = ExecutionContext(schema, metadata.model_id)
        yield storage, node.config, node.resource, context


def training_sentences(storage: LocalModelStorage, resource: Resource) -> list[list[CRFToken]]:
    """The featurised sentences the CRF was trained on, as Rasa stores them."""
    with storage.read_from(resource) as model_dir:
        rows = rasa.shared.utils.io.read_json_file(model_dir / "crf_dataset.json")
    return [[CRFToken.create_from_dict(token) for token in sentence] for sentence in rows]


def load(
    cls: type[CRFEntityExtractor],
    stored: tuple[LocalModelStorage, dict[str, Any], Resource, ExecutionContext],
) -> CRFEntityExtractor:
    storage, config, resource, context = stored
    return cls.load({**cls.get_default_config(), **config}, storage, resource, context)


def test_the_stored_taggers_are_read_back_without_training(
    stored: tuple[LocalModelStorage, dict[str, Any], Resource, ExecutionContext],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_training(*args: object) -> None:
        raise AssertionError("the CRF was trained again at load")

    monkeypatch.setattr(QuickLoadCRFEntityExtractor, "train_model", no_training)
    quick = load(QuickLoadCRFEntityExtractor, stored)
    assert list(quick.entity_taggers or {}) == ["entity"]


def test_every_token_of_every_training_sentence_gets_the_same_marginals(
    stored: tuple[LocalModelStorage, dict[str, Any], Resource, ExecutionContext],
) -> None:
    quick = load(QuickLoadCRFEntityExtractor, stored)
    rasas = load(CRFEntityExtractor, stored)
    assert quick.entity_taggers and rasas.entity_taggers
    assert list(quick.entity_taggers) == list(rasas.entity_taggers)
    sentences = training_sentences(stored[0], stored[2])
    assert len(sentences) > 1000
    for tag, ours in quick.entity_taggers.items():
        theirs = rasas.entity_taggers[tag]
        # a role or group tagger also reads the entity tags, as Rasa feeds it
        with_tags = tag != ENTITY_ATTRIBUTE_TYPE
        for sentence in sentences:
            features = quick._crf_tokens_to_features(sentence, quick.component_config, with_tags)
            assert ours.predict_marginals_single(features) == theirs.predict_marginals_single(
                features
            ), [t.text for t in sentence]


def test_a_model_stored_without_tagger_files_is_trained_again_as_rasa_does(
    stored: tuple[LocalModelStorage, dict[str, Any], Resource, ExecutionContext],
) -> None:
    storage, config, resource, context = stored
    with storage.read_from(resource) as model_dir:
        saved = tagger_file(model_dir, 0).read_bytes()
        tagger_file(model_dir, 0).unlink()
    try:
        older = load(QuickLoadCRFEntityExtractor, stored)
    finally:
        with storage.read_from(resource) as model_dir:
            tagger_file(model_dir, 0).write_bytes(saved)
    assert type(older) is QuickLoadCRFEntityExtractor
    assert list(older.entity_taggers or {}) == ["entity"]
