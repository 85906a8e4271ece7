"""FASQoL (layton2016) is registered but not shipped: its item scale is not confirmed."""

from __future__ import annotations

import pytest

from microneedling.errors import InputError
from microneedling.scores import INSTRUMENTS, get


def test_asking_for_it_says_why_it_is_not_available() -> None:
    with pytest.raises(InputError) as caught:
        get("facial_acne_scar_qol")
    problem = caught.value.problems[0]
    assert problem.field == "code"
    assert "not available" in problem.message
    assert "Layton" in problem.message
    assert "facial_acne_scar_qol" not in INSTRUMENTS
