"""A server process settles its heap once started: what start-up made is frozen out of the
collector's walks and young collections are rarer, so full collections stop pausing requests."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from microneedling.web.app import SERVING_GC_THRESHOLDS, settle_heap


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_restored")
def test_settling_freezes_what_start_up_made_and_raises_the_thresholds() -> None:
    made_at_start = [[index] for index in range(1000)]
    settle_heap()
    assert gc.get_freeze_count() >= len(made_at_start)
    assert gc.get_threshold() == SERVING_GC_THRESHOLDS
