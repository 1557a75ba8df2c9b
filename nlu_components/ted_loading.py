"""Rasa's TED policy, loaded without the training step Rasa takes to build it.

Rasa rebuilds a trained TED model before restoring its weights by fitting it on one example:
Keras then traces the whole training step, gradients and optimizer included, into a graph.
That trace took about 10 of the 20 seconds a Rasa process of this model took to load
(docs/performance.md, "Ninth step"), paid by every server start and restart, ``rasa shell``,
``rasa test`` and ``rasa interactive``, and thrown away: a loaded model only predicts. With
this loading alone the model loaded in 14.3 s instead of 20.7 (``make bench-start``).

:class:`QuickLoadTED` builds the model by running one prediction eagerly instead, which
creates every variable a prediction reads without tracing anything, and restores those from
the checkpoint (asserting that each one was found there). The optimizer's state and
training-only layers in the checkpoint are left unread. Only then is the prediction traced,
once, so that what a trace computes once from the weights (the embeddings of every action)
comes from the restored ones. (It first traced the prediction, restored, and traced again:
the eager run saves one of those two traces, 0.35 s of an 8.6 s load.) Fine-tuning (``rasa
train --finetune``) and a model configured to run eagerly keep Rasa's own loading: the first
trains on, the second never traces.

The prediction is traced without AutoGraph. AutoGraph rewrites a function's Python source
into graph code so that ``if`` and ``for`` on tensors become TensorFlow's own control flow;
TED's prediction branches only on its configuration, so the rewrite changes nothing in the
graph and took about 2.4 of the 8.5 s a load took (``make bench-start``; docs/performance.md,
"Thirteenth step"). A branch on a tensor added to the prediction later would not pass
silently: traced without AutoGraph, it raises as the model loads.

:class:`QuickLoadTEDPolicy` is Rasa's ``TEDPolicy`` with this model: it trains and predicts
exactly as Rasa's does (config.yml names it in TED's place).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData


class QuickLoadTED(TED):
    """TED whose :meth:`load` builds the model by tracing a prediction, not a training step."""

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> TED:
        """The trained model at ``model_file_name``, ready to predict (module notes)."""
        eager = bool(kwargs.get("config", {}).get(RUN_EAGERLY))
        if finetune_mode or eager or predict_data_example is None:
            loaded: TED = super().load(
                model_file_name,
                model_data_example,
                predict_data_example,
                finetune_mode,
                *args,
                **kwargs,
            )
            return loaded
        model = cls(*args, **kwargs)
        model._run_eagerly = True  # creates what a prediction reads, without a trace
        model.run_inference(predict_data_example)
        model._run_eagerly = False
        status = model.load_weights(model_file_name)
        status.assert_existing_objects_matched().expect_partial()
        model.prepared_for_prediction = False  # the action embeddings, from the restored weights
        model.run_inference(predict_data_example)  # the one trace, of the restored model
        return model

    def _rasa_predict(self, batch_in: tuple[np.ndarray, ...]) -> dict[str, Any]:
        """Rasa's prediction, its graph traced without AutoGraph (module notes)."""
        # Rasa types the step with a TensorFlow name mypy cannot resolve
        if self._tf_predict_step is None and not self._run_eagerly:  # type: ignore[has-type]
            self._tf_predict_step = tf.function(
                self.predict_step,
                input_signature=self._dynamic_signature(batch_in),
                autograph=False,
            )
        return super()._rasa_predict(batch_in)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class QuickLoadTEDPolicy(TEDPolicy):
    """Rasa's TED policy with :class:`QuickLoadTED` as its model."""

    @staticmethod
    def model_class() -> type[TED]:
        return QuickLoadTED
