"""Claims and topicals the evidence does not back (rows of claims.toml and topicals.toml).

A request that relies on an unsupported or unsafe claim, or that means to put a non-sterile
product on open channels, gets a warning with the reason and the references.
"""

from __future__ import annotations

from collections.abc import Mapping

from microneedling.clinical.models import Finding, PlanRequest, PlanWarning
from microneedling.knowledge import Knowledge
from microneedling.knowledge.models import Contraindication

_NOT_BACKED = {"not_supported", "unsafe"}


def claim_warning(claim_id: str, kb: Knowledge) -> PlanWarning | None:
    """The warning a claim earns: none when supported, a softer one when partly supported."""
    claim = kb.claims[claim_id]
    if claim.verdict == "supported":
        return None
    code = "claim_not_supported" if claim.verdict in _NOT_BACKED else "claim_partly_supported"
    verdict = claim.verdict.replace("_", " ")
    return PlanWarning(
        code=code,
        message=f'"{claim.claim}" ({claim_id}) is {verdict}: {claim.reason}',
        references=list(claim.references),
    )


def implied_claims(request: PlanRequest, kb: Knowledge) -> list[str]:
    """Claims a request relies on without naming them (a topical, an indication, home depth)."""
    implied = [kb.topicals[code].claim for code in request.topicals]
    implied += [
        answer.claim
        for concern in request.concerns
        if (answer := kb.indications[concern.indication].answer) is not None
    ]
    home = kb.rules.home
    length = request.device.needle_length_mm
    if request.setting == "home" and length is not None and length >= home.claim_from_mm:
        implied.append(home.claim)
    return [claim for claim in implied if claim]


def claims_in(request: PlanRequest, kb: Knowledge) -> list[str]:
    """The claims a request names and those it relies on without naming them, each once."""
    return list(dict.fromkeys([*request.claims, *implied_claims(request, kb)]))


def claim_warnings(request: PlanRequest, kb: Knowledge) -> list[PlanWarning]:
    ids = claims_in(request, kb)
    return [warning for claim in ids if (warning := claim_warning(claim, kb)) is not None]


def claims_to_correct(request: PlanRequest, kb: Knowledge) -> list[str]:
    """The claims a person asked about, and those their request relies on that earn a warning
    (a long needle at home, an unsafe serum): what the home check answers."""
    named = list(request.claims)
    warned = [claim for claim in claims_in(request, kb) if claim_warning(claim, kb) is not None]
    return list(dict.fromkeys([*named, *warned]))


def topical_findings(
    request: PlanRequest, kb: Knowledge, withheld: Mapping[str, Contraindication]
) -> list[tuple[Finding, PlanWarning]]:
    """A `warn` finding and an `unsafe_topical` warning for each topical the plan cannot take.

    Rule `no_cosmetic_serum_on_channels`, the home rule (only sterile hyaluronic acid on
    needled skin) and drugs a fired rule withholds (pregnancy) all land here.
    """
    home = kb.rules.home
    result = []
    for code in dict.fromkeys(request.topicals):
        topical = kb.topicals[code]
        parts: list[str] = []
        refs: list[str] = []
        if not topical.safe_on_channels:
            parts.append(f"is not a sterile product made for needled skin: {topical.reason}")
            refs += topical.references
        elif request.setting == "home" and code not in home.topicals:
            parts.append("is not for needled skin at home, where only sterile hyaluronic acid is")
            refs += [*topical.references, *home.references]
        if code in withheld:
            rule = withheld[code]
            parts.append(f"is withheld ({rule.code}): {rule.reason}")
            refs += rule.references
        if not parts:
            continue
        message = f"{topical.name} " + "; it ".join(parts)
        refs = list(dict.fromkeys(refs))
        result.append(
            (
                Finding(
                    code=code,
                    action="warn",
                    zones=None,
                    until=None,
                    reason=message,
                    references=refs,
                ),
                PlanWarning(code="unsafe_topical", message=message, references=refs),
            )
        )
    return result
