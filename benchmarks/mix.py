"""The clinic's traffic mix that the load test sends and the route timing times: who logs in,
what they search for and which plan they preview. Kept apart from the load test so that timing
routes in-process does not import locust (which patches the standard library for gevent)."""

from __future__ import annotations

from microneedling.services.demo import DEMO_USERS

_ROLE, EMAIL, _NAME, PASSWORD = DEMO_USERS[1]  # the clinician
SECRET = "load-test-secret-" + "x" * 40
PLAN_REQUEST = {
    "setting": "clinic",
    "device": {"type": "pen"},
    "client": {"age_years": 34, "fitzpatrick": 3},
    "concerns": [{"indication": "acne_scars_atrophic", "zones": ["cheeks", "forehead"]}],
}
SEARCHES = ("ha", "ad", "bi", "ng", "o", "kemi", "mar", "li")
