"""The claims a request relies on are data the planner hands on, not words found in its
warnings: every claim a plan warns about is one `claims_to_correct` names, and back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import make_request

from microneedling.clinical.claims import claims_to_correct
from microneedling.clinical.planner import as_request, plan
from microneedling.knowledge import load_knowledge

KB = load_knowledge()
CLAIMS = sorted(KB.claims)
TOPICALS = sorted(KB.topicals)


@settings(max_examples=40, deadline=None)
@given(
    named=st.lists(st.sampled_from(CLAIMS), max_size=4, unique=True),
    topicals=st.lists(st.sampled_from(TOPICALS), max_size=3, unique=True),
    home=st.booleans(),
    needle_mm=st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0]),
)
def test_the_claims_to_correct_are_those_named_and_those_warned_about(
    named: list[str], topicals: list[str], home: bool, needle_mm: float
) -> None:
    device = {"type": "roller", "needle_length_mm": needle_mm} if home else {"type": "pen"}
    request = make_request(
        setting="home" if home else "clinic", device=device, claims=named, topicals=topicals
    )
    warned = {
        claim
        for warning in plan(request).warnings
        if warning.code.startswith("claim_")
        for claim in CLAIMS
        if f"({claim})" in warning.message
    }
    found = claims_to_correct(as_request(request), KB)
    assert found[: len(named)] == named
    assert set(found) == set(named) | warned


def test_a_long_needle_at_home_brings_its_claim_unasked() -> None:
    request = make_request(setting="home", device={"type": "roller", "needle_length_mm": 1.5})
    assert claims_to_correct(as_request(request), KB) == [KB.rules.home.claim]
