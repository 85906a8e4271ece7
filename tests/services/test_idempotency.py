"""Idempotency keys: claimed once per owner, answered again once kept, free again if released."""

from __future__ import annotations

import pytest
from tests.world import World

from microneedling.errors import InputError
from microneedling.services import idempotency

ANSWER = idempotency.Answer(201, "application/json", None, b'{"id": 7}')


def test_a_key_is_claimed_once_and_its_kept_answer_comes_back(world: World) -> None:
    records = world.records
    assert idempotency.claim(records, "api:1", "k-1", "body-a", "Idempotency-Key") is None
    with pytest.raises(idempotency.StillHandled):
        idempotency.claim(records, "api:1", "k-1", "body-a", "Idempotency-Key")
    idempotency.complete(records, "api:1", "k-1", ANSWER)
    assert idempotency.claim(records, "api:1", "k-1", "body-a", "Idempotency-Key") == ANSWER
    with pytest.raises(InputError) as error:
        idempotency.claim(records, "api:1", "k-1", "body-b", "Idempotency-Key")
    assert error.value.problems[0].field == "Idempotency-Key"


def test_keys_belong_to_their_owner_and_a_released_key_is_free(world: World) -> None:
    records = world.records
    assert idempotency.claim(records, "api:1", "k-2", "x", "Idempotency-Key") is None
    assert idempotency.claim(records, "api:2", "k-2", "y", "Idempotency-Key") is None
    idempotency.release(records, "api:1", "k-2")
    assert idempotency.claim(records, "api:1", "k-2", "z", "Idempotency-Key") is None


def test_a_key_too_long_is_an_input_error(world: World) -> None:
    with pytest.raises(InputError, match="1 to 255"):
        idempotency.claim(world.records, "api:1", "k" * 256, "x", "Idempotency-Key")
