"""What every instrument returns: a score, its band and where the instrument comes from.

`score` and `band` are always present (`band` is `None` where the instrument has no published
interpretation bands); the optional fields carry what only some instruments have.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = int | float

# Optional fields left out of the JSON form when an instrument does not use them.
_OPTIONAL_FIELDS = ("scale", "part", "overall_opinion", "subclass", "responded")


class ScoreResult(BaseModel):
    """One instrument's result for one assessment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str
    score: Number
    band: str | None
    range: tuple[Number, Number]
    references: tuple[str, ...]
    subscores: dict[str, Number] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    scale: str | None = None
    part: str | None = None
    overall_opinion: int | None = None
    subclass: str | None = None
    responded: bool | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON form: every core key, and the optional ones only where they apply."""
        data = self.model_dump(mode="json")
        for name in _OPTIONAL_FIELDS:
            if data[name] is None:
                del data[name]
        return data


class ScoreChange(BaseModel):
    """The change between two results of the same instrument (after − before)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str
    before: ScoreResult
    after: ScoreResult
    absolute_change: Number
    relative_change_pct: float | None
    clinically_meaningful_improvement: bool | None
    change_rule: str | None
    range: tuple[Number, Number]
    references: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["before"] = self.before.as_json()
        data["after"] = self.after.as_json()
        return data
