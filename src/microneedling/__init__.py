"""microneedling: evidence-graded planning and follow-up for microneedling.

The package root stays import-light so the CLI starts fast; `plan` loads the planner on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from microneedling.clinical.models import Plan, PlanRequest


def plan(request: PlanRequest | dict[str, Any]) -> Plan:
    """Plan a course of microneedling for a request (a `PlanRequest` or its JSON as a dict)."""
    from microneedling.clinical.planner import plan as _plan

    return _plan(request)


__all__ = ["__version__", "plan"]
