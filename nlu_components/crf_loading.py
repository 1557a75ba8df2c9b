"""Rasa's CRF entity extractor, loaded from its trained taggers instead of trained again.

Rasa 3.6's ``CRFEntityExtractor`` stores only its featurised training set and, at every load,
trains its CRF taggers on it again: about 1.6 s of every Rasa process that loads this model
(each server start and restart, ``rasa shell``, ``rasa test``; docs/performance.md,
"Thirteenth step"). The taggers it trained are files already: sklearn-crfsuite trains each
one into a crfsuite model file, which is crfsuite's own format and needs no pickle to read.

:class:`QuickLoadCRFEntityExtractor` stores those files beside Rasa's own, one per tagger in
the order Rasa keeps them, and its :meth:`load` reads them back. A model stored before, without
them, loads as Rasa loads it. Training and extraction are Rasa's, unchanged (config.yml names
it in the CRF's place, as it names ``QuickLoadTEDPolicy`` in TED's).
"""

from __future__ import annotations

import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Any

import rasa.shared.utils.io
import sklearn_crfsuite
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken

ORDER_FILE = "crf_order.json"  # Rasa's: the tag names its taggers were trained for, in order


def tagger_file(model_dir: Path, index: int) -> Path:
    """Where the tagger at ``index`` of Rasa's order is stored."""
    return model_dir / f"crf_tagger_{index}.crfsuite"


def stored_tagger(path: Path) -> sklearn_crfsuite.CRF:
    """A trained CRF whose model is a copy of the crfsuite file at ``path``, opened for tagging.

    The copy is the CRF's own temporary file, as after training, so the tagger does not depend
    on the model archive's directory staying where it was unpacked.
    """
    crf = sklearn_crfsuite.CRF()
    crf.modelfile.ensure_name()
    shutil.copyfile(path, crf.modelfile.name)
    crf.tagger_  # noqa: B018 - opened now, not at the first message
    return crf


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class QuickLoadCRFEntityExtractor(CRFEntityExtractor):
    """Rasa's CRF entity extractor whose trained taggers are stored and read back (module notes)."""

    def persist(self, dataset: list[list[CRFToken]]) -> None:
        """Rasa's files, and each trained tagger's crfsuite file beside them."""
        super().persist(dataset)
        if not self.entity_taggers:
            return
        with self._model_storage.write_to(self._resource) as model_dir:
            for index, tagger in enumerate(self.entity_taggers.values()):
                shutil.copyfile(tagger.modelfile.name, tagger_file(model_dir, index))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CRFEntityExtractor:
        """The extractor with its stored taggers; Rasa's retraining for a model stored without."""
        stored = stored_taggers(model_storage, resource)
        if stored is None:
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        extractor = cls(config, model_storage, resource, stored)
        extractor.crf_order = list(stored)
        return extractor


def stored_taggers(
    model_storage: ModelStorage, resource: Resource
) -> OrderedDict[str, sklearn_crfsuite.CRF] | None:
    """Each tag name's stored tagger in Rasa's order; None if the model holds no such files."""
    try:
        with model_storage.read_from(resource) as model_dir:
            crf_order = rasa.shared.utils.io.read_json_file(model_dir / ORDER_FILE)
            files = [tagger_file(model_dir, i) for i in range(len(crf_order))]
            if not files or not all(path.is_file() for path in files):
                return None
            return OrderedDict(
                (tag, stored_tagger(path)) for tag, path in zip(crf_order, files, strict=True)
            )
    except ValueError:  # no resource at all: Rasa's load warns and returns an empty extractor
        return None
