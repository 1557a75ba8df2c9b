"""Retrieval tunables from ``knowledge.yml`` next to this file (or ``KNOWLEDGE_SETTINGS``)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field

SETTINGS_ENV = "KNOWLEDGE_SETTINGS"
DEFAULT_SETTINGS = Path(__file__).resolve().parent / "knowledge.yml"


class KnowledgeSettingsError(ValueError):
    """The knowledge settings file is missing or does not validate."""


class KnowledgeSettings(BaseModel):
    """How retrieval scores and how much of it an answer shows.

    Attributes:
        threshold: Lowest score that supports an answer; below it the answer is None.
        top_k: Passages considered per question.
        max_passages: Passages an answer may show; 1 answers the asked rule only.
        combine_margin: How close to the best score another passage must be to join.
        lexical_weight: Boost for content words shared by the question and a passage.
    """

    threshold: float = Field(ge=-1.0, le=1.0)
    top_k: int = Field(ge=1, le=20)
    max_passages: int = Field(ge=1, le=5)
    combine_margin: float = Field(ge=0.0, le=1.0)
    lexical_weight: float = Field(ge=0.0, le=1.0)

    class Config:
        extra = Extra.forbid
        allow_mutation = False


def parse_settings(path: Path) -> KnowledgeSettings:
    """Read and validate a settings file; raises :class:`KnowledgeSettingsError`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return KnowledgeSettings.parse_obj(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise KnowledgeSettingsError(f"{path}: {exc}") from exc


@cache
def load_settings(path: str | None = None) -> KnowledgeSettings:
    """The settings ``KNOWLEDGE_SETTINGS`` names, else ``knowledge.yml`` beside this module."""
    return parse_settings(Path(path or os.environ.get(SETTINGS_ENV) or DEFAULT_SETTINGS))
