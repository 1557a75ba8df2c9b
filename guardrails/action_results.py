"""The action server's answers checked against Rasa's schema by a validator built once.

Rasa checks every answer of the action server with ``jsonschema.validate(result, schema)``,
which first validates the schema itself against JSON Schema's meta-schema, on every call: 20 ms
of the Rasa server's one core per custom action here, against 1.3 ms for the answer alone.
Under load that was more than half of the Rasa process's time (py-spy, docs/performance.md).
:func:`install_prebuilt_action_validation` replaces ``RemoteAction._validate_action_result``
with the same check against the same schema through a validator built (and the schema
checked) once per process. Valid answers pass and invalid ones fail exactly as before, with
Rasa's error and its hint.
"""

from __future__ import annotations

import functools
from typing import Any

from nlu_components.patching import installs

# Rasa and jsonschema are imported when installed: guardrails.launch imports this module in
# every server it starts, and only the Rasa server needs them.


def _hint() -> str:
    """What Rasa appends to the error, word for word."""
    from rasa.shared.constants import DOCS_BASE_URL

    return (
        ". Failed to validate Action server response from API, make sure your response from "
        "the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )


@functools.cache
def _validator() -> Any:
    """Rasa's action response schema, checked once, as a ready validator."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server answer; raises its ``ValidationError`` if invalid."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += _hint()
        raise error
    return True


@installs("rasa.core.actions.action:RemoteAction._validate_action_result")
def install_prebuilt_action_validation() -> None:
    """Make ``RemoteAction`` check answers with the prebuilt validator (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
