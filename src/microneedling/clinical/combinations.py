"""Combinations beside needling and referrals to other procedures (combinations.toml and
referrals.toml).

A referral by scar type never blocks the plan: needling still goes ahead for the scars it
treats, and icepick or deep boxcar scars always add their referral.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from microneedling.clinical.models import Concern, PlannedCombination, PlannedReferral
from microneedling.clinical.screening import Fired
from microneedling.knowledge import Knowledge


def allowed_combinations(
    codes: Iterable[str], setting: str, withheld: Collection[str], kb: Knowledge
) -> list[str]:
    """Leave out drugs a rule withholds (pregnancy) and, at home, all but the home list."""
    home = kb.rules.home.combinations
    return [code for code in codes if code not in withheld and (setting != "home" or code in home)]


def combinations_for(
    indications: Iterable[str],
    fired: Iterable[Fired],
    kb: Knowledge,
    setting: str,
    withheld: Collection[str],
) -> list[PlannedCombination]:
    """Combinations suggested by the indications treated and by the rules that fired."""
    pairs: list[tuple[str, str]] = []
    for indication in indications:
        pairs += [(code, indication) for code in kb.indications[indication].combinations]
    pairs += [(f.rule.adds_combination, f.rule.code) for f in fired if f.rule.adds_combination]
    allowed = set(allowed_combinations((code for code, _ in pairs), setting, withheld, kb))
    result = []
    for code, reason_for in dict.fromkeys(pairs):
        if code not in allowed:
            continue
        row = kb.combinations[code]
        result.append(
            PlannedCombination.model_validate(
                {
                    "code": code,
                    "for": reason_for,
                    "evidence": row.evidence,
                    "references": row.references,
                    "note": row.note,
                }
            )
        )
    return result


def referrals_for(
    concerns: Iterable[Concern], fired: Iterable[Fired], kb: Knowledge
) -> list[PlannedReferral]:
    """Referrals by scar type, by refused indications, and by rules that fired."""
    pairs: list[tuple[str, str, str | None]] = []
    for concern in concerns:
        for scar_type in concern.scar_types:
            pairs += [
                (code, scar_type, None)
                for code, row in kb.referrals.items()
                if scar_type in row.scar_types
            ]
        answer = kb.indications[concern.indication].answer
        if answer:
            pairs += [(code, concern.indication, answer.reason) for code in answer.referrals]
    pairs += [
        (f.rule.adds_referral, f.rule.code, f.rule.reason) for f in fired if f.rule.adds_referral
    ]
    result = []
    seen: set[tuple[str, str]] = set()
    for code, reason_for, reason in pairs:
        if (code, reason_for) in seen:
            continue
        seen.add((code, reason_for))
        row = kb.referrals[code]
        result.append(
            PlannedReferral.model_validate(
                {
                    "code": code,
                    "for": reason_for,
                    "reason": reason or row.reason,
                    "references": row.references,
                }
            )
        )
    return result
