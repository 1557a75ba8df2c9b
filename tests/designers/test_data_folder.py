"""Merchant policy files live under ``data/`` but are not training data, and Rasa must see that.

Rasa decides what a YAML file under ``data/`` is by looking for a line that starts, after any
indentation, with ``nlu:``, ``responses:``, ``stories:`` or ``rules:``. A policy file with such a
line, even nested, would be read as training data by ``rasa train``, ``rasa test nlu`` and
``rasa data validate``, and fail their schema checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.data import is_nlu_file

from tests.conftest import ROOT

POLICY_FILES = sorted((ROOT / "data" / "policy").glob("*.yml"))


def test_there_are_policy_files_to_check() -> None:
    assert POLICY_FILES


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_rasa_does_not_take_a_policy_file_for_training_data(path: Path) -> None:
    assert not is_nlu_file(str(path))
    assert not YAMLStoryReader.is_stories_file(path)
