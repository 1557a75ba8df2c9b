"""What a load leaves alive is skipped by full collections, and is released by the next load;
after it, young collections come less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from webkit.heap import YOUNG_THRESHOLD, freeze_after


class Model:
    """A loaded model's stand-in: an object in a reference cycle, as models' objects are."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_the_load_left_alive_is_frozen_and_its_garbage_is_not() -> None:
    garbage: list[weakref.ref[Model]] = []

    def load() -> Model:
        temporary = Model()  # unreachable once load returns, kept alive only by its cycle
        garbage.append(weakref.ref(temporary))
        return Model()

    model = freeze_after(load)()
    assert gc.get_freeze_count() > 0
    assert not any(obj is model for obj in gc.get_objects())  # frozen: in no generation
    assert garbage[0]() is None


def test_the_next_load_releases_the_model_it_replaces() -> None:
    loaded: list[weakref.ref[Model]] = []

    def load() -> Model:
        model = Model()
        loaded.append(weakref.ref(model))
        return model

    loader = freeze_after(load)
    held = loader()
    del held  # replaced: only its own cycle keeps it
    gc.collect()
    assert loaded[0]() is not None  # frozen objects are never collected ...
    loader()
    assert loaded[0]() is None  # ... until the next load unfreezes and collects


def test_wrapping_twice_freezes_once() -> None:
    def load() -> None:
        return None

    once = freeze_after(load)
    assert freeze_after(once) is once


def test_after_the_load_young_collections_come_less_often_and_the_older_ones_as_before() -> None:
    gc.set_threshold(700, 10, 10)

    freeze_after(lambda: None)()

    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert YOUNG_THRESHOLD > 700
