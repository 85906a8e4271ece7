"""The questions asked before every session ("any change since the last visit?") and what a
change means: the client's screening is out of date, so a new intake comes before the session.

A session that reports a change is refused (409, code `intake_needed`) until an intake has been
recorded since the last visit: the client's latest session, or with none yet the plan the
session follows. Not asking (no answers) leaves the session as it was before these questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from microneedling.records.models import Intake, PlanRecord, TreatmentSession
from microneedling.services.clinical_records import is_current
from microneedling.services.errors import Conflict

Change = Literal["new_medicines", "cold_sores", "pregnancy", "sun_exposure", "procedures"]
QUESTIONS: dict[str, str] = {
    "new_medicines": "New medicines, supplements or prescriptions (isotretinoin, blood thinners…)",
    "cold_sores": "A cold sore or other skin infection",
    "pregnancy": "Pregnancy, or trying to become pregnant, or breastfeeding",
    "sun_exposure": "Sunburn, a tan or a lot of sun on the treated areas",
    "procedures": "Other skin procedures (peels, laser, injections, waxing) on the treated areas",
}


class IntakeNeeded(Conflict):
    """The client reported a change since the last visit and no intake has been recorded since."""

    code = "intake_needed"

    def __init__(self, client_id: int, changes: list[str]) -> None:
        super().__init__(
            f"changes since the last visit ({', '.join(changes)}): record a new intake for "
            "the client before this session"
        )
        self.client_id = client_id
        self.changes = changes

    def extra(self) -> dict[str, Any]:
        return {"changes": self.changes, "intake_form": f"/clients/{self.client_id}/intake"}


def require_intake_after_changes(
    db: Session, client_id: int, plan_id: int | None, changes: Sequence[str] | None
) -> None:
    """Refuse the session when it reports a change and the client has no intake newer than
    the last visit."""
    if not changes:
        return
    last_visit = db.scalar(
        select(TreatmentSession.created_at)
        .where(TreatmentSession.client_id == client_id, is_current(TreatmentSession))
        .order_by(TreatmentSession.created_at.desc())
        .limit(1)
    )
    if last_visit is None and plan_id is not None:
        last_visit = db.scalar(select(PlanRecord.created_at).where(PlanRecord.id == plan_id))
    query = select(Intake.id).where(Intake.client_id == client_id, is_current(Intake))
    if last_visit is not None:
        query = query.where(Intake.created_at > last_visit)
    if db.scalar(query.limit(1)) is None:
        raise IntakeNeeded(client_id, list(changes))
