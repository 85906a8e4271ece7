"""Pre-care and day-by-day aftercare (care.toml).

Care rows are data with a `when`; a row applies when every field it gives matches the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from microneedling.clinical.models import AftercareDays, CareItem
from microneedling.knowledge import Knowledge
from microneedling.knowledge.models import Aftercare, When


@dataclass(frozen=True)
class CareContext:
    """What the care rows look at."""

    setting: str
    phototype: int
    combinations: frozenset[str]
    topicals: frozenset[str]
    findings: frozenset[str]
    withheld: frozenset[str] = frozenset()


def applies(when: When, context: CareContext) -> bool:
    return (
        (not when.settings or context.setting in when.settings)
        and (not when.phototypes or context.phototype in when.phototypes)
        and (not when.combinations or bool(context.combinations.intersection(when.combinations)))
        and (not when.topicals or bool(context.topicals.intersection(when.topicals)))
        and (not when.findings or bool(context.findings.intersection(when.findings)))
        and (
            not when.products
            or bool(context.combinations.intersection(when.products))
            or bool(context.topicals.intersection(when.products))
        )
    )


def _shown(mentions: list[str], when: When, context: CareContext) -> bool:
    """A row that names a withheld drug (pregnancy) is left out, whatever its `when`."""
    return applies(when, context) and context.withheld.isdisjoint(mentions)


def pre_care_for(context: CareContext, kb: Knowledge) -> list[CareItem]:
    return list(_pre_care(context, kb))


def aftercare_for(context: CareContext, kb: Knowledge) -> list[AftercareDays]:
    return list(_aftercare(context, kb))


@lru_cache(maxsize=1024)
def _pre_care(context: CareContext, kb: Knowledge) -> tuple[CareItem, ...]:
    return tuple(
        CareItem(code=row.code, text=row.text, references=list(row.references))
        for row in kb.pre_care
        if _shown(row.mentions, row.when, context)
    )


@lru_cache(maxsize=1024)
def _aftercare(context: CareContext, kb: Knowledge) -> tuple[AftercareDays, ...]:
    rows = [row for row in kb.aftercare if _shown(row.mentions, row.when, context)]
    rows.sort(key=lambda row: (row.from_day, row.to_day))
    return tuple(_days(row) for row in rows)


def _days(row: Aftercare) -> AftercareDays:
    return AftercareDays(
        from_day=row.from_day,
        to_day=row.to_day,
        do=list(row.do),
        avoid=list(row.avoid),
        references=list(row.timing.references),
    )


def aftercare_for_everyone(kb: Knowledge) -> list[AftercareDays]:
    """The aftercare rows that apply to every session, whatever the client and the plan (a
    session logged without a plan), in the knowledge base's order."""
    return [_days(row) for row in kb.aftercare if row.when.is_empty() and not row.mentions]


def patient_pre_care(codes: Iterable[str], kb: Knowledge) -> list[str]:
    """The plan's pre-care in the client's words, for handouts and the home check; the
    clinic's own steps (no patient wording) are left out."""
    wording = {row.code: row.patient for row in kb.pre_care}
    return [text for code in codes if (text := wording.get(code))]


WARNING_SIGNS = "warning_signs"  # the care row that lists what to call the clinic about
WARNING_PREFIX = "contact the clinic for: "


def warning_signs_apart(
    aftercare: Sequence[AftercareDays], kb: Knowledge
) -> tuple[list[AftercareDays], list[str]]:
    """A plan's aftercare days without the warning-signs row, and the signs themselves in the
    client's words: the handout, the home check and the aftercare e-mail show them apart,
    under "call the clinic"."""
    signs_row = next(row for row in kb.aftercare if row.code == WARNING_SIGNS)
    days = [day for day in aftercare if list(day.do) != list(signs_row.do)]
    signs = [
        text.removeprefix(WARNING_PREFIX)
        for day in aftercare
        if list(day.do) == list(signs_row.do)
        for text in day.do
    ]
    return days, signs
