"""Each merchant's recommendation rules, read from its policy file when the backend starts.

A file that cannot be read or holds an invalid `recommendations` section stops the start
with a message naming the file and the merchant: the backend never serves with rules it
guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pydantic
import yaml

from recommender.config import RecommendationPolicy, load_policy_section


class PolicyUnusable(RuntimeError):
    """A merchant's policy file cannot be read, or its `recommendations` section is invalid."""


def _read_policy(path: str, merchant: str | None = None) -> RecommendationPolicy:
    try:
        return load_policy_section(Path(path))
    except (OSError, yaml.YAMLError, pydantic.ValidationError) as error:
        whose = f" (merchant {merchant!r})" if merchant else ""
        raise PolicyUnusable(f"policy file {path}{whose}: {error}") from error


def load_recommendation_policy(path: str | None) -> RecommendationPolicy:
    """The merchant's rules from its policy file; the defaults when no file is configured.

    Raises:
        PolicyUnusable: The file cannot be read or its `recommendations` section is invalid.
    """
    return RecommendationPolicy() if path is None else _read_policy(path)


def load_merchant_policies(paths: Mapping[str, str]) -> dict[str, RecommendationPolicy]:
    """Each merchant's rules from its own policy file, all read at start.

    Raises:
        PolicyUnusable: A file cannot be read or its `recommendations` section is invalid;
            the message names the file and the merchant.
    """
    return {merchant: _read_policy(path, merchant) for merchant, path in paths.items()}
