"""The collector pause restores the collector as it found it, whatever happens in the block."""

from __future__ import annotations

import gc

import pytest

from evidence.heap import collection_paused


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after():
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_nested_pause_leaves_the_outer_one_in_force():
    gc.enable()
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_an_error_in_the_block_still_restores_the_collector():
    gc.enable()
    with pytest.raises(ZeroDivisionError), collection_paused():
        _ = 1 / 0
    assert gc.isenabled()


def test_as_a_decorator_it_pauses_the_call_and_returns_its_value():
    gc.enable()

    @collection_paused()
    def state() -> bool:
        return gc.isenabled()

    assert state() is False
    assert state() is False  # each call enters its own pause
    assert gc.isenabled()
