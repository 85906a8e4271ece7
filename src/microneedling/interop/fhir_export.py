"""A client's record as a FHIR R4 `Bundle` of type `collection`.

Every resource gets a stable `urn:uuid:` full URL: a UUID v5 in the installation's own namespace
(its random installation id) of the clinic, the kind of record and the id of the record's first
version. Exports of one installation therefore repeat the same ids, an amended record keeps its
id and carries `meta.versionId`, and two installations never give two people the same id. Every
reference points at a resource inside the bundle. Codes come from
interop/codes.py; resources are validated with the R4B models of `fhir.resources` (R4B keeps
`Media`), and only elements that FHIR R4 (4.0.1) also has are used.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from microneedling.interop import codes
from microneedling.interop.client_record import ClientRecord, Installation, JsonObject
from microneedling.knowledge import load_knowledge

Resource = dict[str, Any]
FHIR_VERSION = "4.0.1"
_CAREPLAN_STATUS = {"ok": "active", "deferred": "on-hold", "refused": "revoked"}
_ACTIVITY_STATUS = {"planned": "scheduled", "deferred": "on-hold", "excluded": "cancelled"}
US_CORE_PATIENT = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|5.0.1"
_CONDITION_STATUS = {"active": "active", "history": "inactive"}


def full_url(namespace: uuid.UUID, clinic_id: int, kind: str, record_id: int | str) -> str:
    """The stable full URL of one record's resource in an installation's namespace."""
    return f"urn:uuid:{uuid.uuid5(namespace, f'{clinic_id}/{kind}/{record_id}')}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str) -> dict[str, Any]:
    """A CodeableConcept with one coding and the display as its text."""
    return {"coding": [coding(system, code, display)], "text": display}


def _names() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    kb = load_knowledge()
    return (
        {code: row.name for code, row in kb.indications.items()},
        {code: row.name for code, row in kb.zones.items()},
        {code: row.name for code, row in kb.conditions.items()},
    )


def _instrument_name(code: str) -> str:
    from microneedling.scores.registry import INSTRUMENTS

    instrument = INSTRUMENTS.get(code)
    return instrument.name if instrument else code


class _Builder:
    """Collects resources for one bundle; `ref` gives the reference to a record's resource."""

    def __init__(self, record: ClientRecord, installation: Installation) -> None:
        self.record = record
        self.clinic_id = int(record.clinic["id"])
        self.installation = installation
        self.entries: list[dict[str, Any]] = []
        self.indications, self.zones, self.conditions = _names()
        self.practitioners_used: set[int] = set()

    def ref(self, kind: str, record_id: int | str, display: str | None = None) -> dict[str, str]:
        found = {"reference": self.url(kind, record_id)}
        if display:
            found["display"] = display
        return found

    def practitioner(self, user_id: int | None) -> dict[str, str] | None:
        if user_id is None or user_id not in self.record.practitioners:
            return None
        self.practitioners_used.add(user_id)
        return self.ref("practitioner", user_id, self.record.practitioners[user_id])

    def url(self, kind: str, record_id: int | str) -> str:
        return full_url(self.installation.id, self.clinic_id, kind, record_id)

    def add(
        self, kind: str, record_id: int | str, resource: Resource, version: int | None = None
    ) -> None:
        url = self.url(kind, record_id)
        head: Resource = {"resourceType": resource.pop("resourceType"), "id": url[9:]}
        if version is not None:
            head["meta"] = {"versionId": str(version)}
        self.entries.append({"fullUrl": url, "resource": {**head, **resource}})

    def zone_sites(self, zones: Iterable[str]) -> list[dict[str, Any]]:
        return [concept(codes.ZONE_SYSTEM, z, self.zones.get(z, z)) for z in zones]

    @property
    def patient(self) -> dict[str, str]:
        return self.ref("patient", self.record.client["id"])


def _date(value: Any) -> str | None:
    return None if value is None else str(value)


def _organization(b: _Builder) -> None:
    clinic = b.record.clinic
    b.add("organization", clinic["id"], {"resourceType": "Organization", "name": clinic["name"]})


def _patient(b: _Builder) -> None:
    client = b.record.client
    name: dict[str, Any] = {"use": "official"}
    if client.get("family_name"):
        name["family"] = client["family_name"]
    if client.get("given_name"):
        name["given"] = [client["given_name"]]
    telecom = [
        {"system": system, "value": client[field]}
        for system, field in (("email", "email"), ("phone", "phone"))
        if client.get(field)
    ]
    patient: Resource = {
        "resourceType": "Patient",
        "meta": {"versionId": str(client["version"]), "profile": [US_CORE_PATIENT]},
        "identifier": [
            {"system": b.installation.identifier_system, "value": str(client["id"])},
            *({"system": system, "value": value} for system, value in b.record.identifiers),
        ],
        "name": [name],
        "telecom": telecom,
        "gender": client.get("sex") or "unknown",
        "birthDate": _date(client.get("birth_date")),
        "managingOrganization": b.ref("organization", b.clinic_id, b.record.clinic["name"]),
    }
    b.add("patient", client["id"], _compact(patient))
    if client.get("phototype") is not None:
        b.add(
            "phototype",
            client["id"],
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [concept(codes.OBSERVATION_CATEGORY, "exam", "Exam")],
                "code": concept(codes.OBSERVATION_SYSTEM, *codes.PHOTOTYPE),
                "subject": b.patient,
                "valueInteger": int(client["phototype"]),
            },
        )


def _indication_conditions(b: _Builder) -> dict[str, str]:
    """One Condition per indication across the current plans; the full URL of each."""
    zones: dict[str, list[str]] = {}
    details: dict[str, list[str]] = {}
    recorded: dict[str, str] = {}
    for plan in b.record.plans:
        for concern in plan["request"].get("concerns", []):
            indication = concern["indication"]
            known = zones.setdefault(indication, [])
            known.extend(z for z in concern["zones"] if z not in known)
            recorded.setdefault(indication, str(plan["created_at"]))
            notes = details.setdefault(indication, [])
            if concern.get("severity"):
                notes.append(f"severity: {concern['severity']}")
            if concern.get("scar_types"):
                notes.append("scar types: " + ", ".join(concern["scar_types"]))
    urls = {}
    for indication, sites in zones.items():
        display = b.indications.get(indication, indication)
        code = concept(codes.INDICATION_SYSTEM, indication, display)
        icd = codes.ICD_10_CM_BY_INDICATION.get(indication)
        if icd is not None:
            code["coding"].append(coding(codes.ICD_10_CM, icd.code, icd.title))
        condition: Resource = {
            "resourceType": "Condition",
            "clinicalStatus": concept(codes.CONDITION_CLINICAL, "active", "Active"),
            "code": code,
            "bodySite": b.zone_sites(sites),
            "subject": b.patient,
            "recordedDate": recorded[indication],
            "note": [{"text": "; ".join(details[indication])}] if details[indication] else None,
        }
        b.add("indication", indication, _compact(condition))
        urls[indication] = b.url("indication", indication)
    return urls


def _screening_conditions(b: _Builder) -> None:
    """The conditions the latest current intake recorded (history and active)."""
    if not b.record.intakes:
        return
    intake = max(b.record.intakes, key=lambda row: (str(row["created_at"]), row["id"]))
    for entry in intake["answers"].get("conditions", []):
        display = b.conditions.get(entry["code"], entry["code"])
        status = _CONDITION_STATUS[entry["status"]]
        condition: Resource = {
            "resourceType": "Condition",
            "clinicalStatus": concept(codes.CONDITION_CLINICAL, status, status.capitalize()),
            "code": concept(codes.CONDITION_SYSTEM, entry["code"], display),
            "bodySite": b.zone_sites(entry.get("zones") or []),
            "subject": b.patient,
            "recordedDate": str(intake["created_at"]),
            "note": [{"text": f"variant: {entry['variant']}"}] if entry.get("variant") else None,
        }
        b.add(
            "condition",
            f"{intake['resource_id']}-{entry['code']}",
            _compact(condition),
            intake["version"],
        )


def _activity_status(treatment: JsonObject, scheduled: int, done: int) -> str:
    """A planned zone is scheduled until its first session, in progress until it has had
    every scheduled session, then completed; deferred and excluded zones keep their status."""
    if treatment["status"] != "planned":
        return _ACTIVITY_STATUS.get(treatment["status"], "unknown")
    if done == 0:
        return "scheduled"
    return "completed" if done >= scheduled else "in-progress"


def _care_plan_status(plan: JsonObject, activities: list[Resource]) -> str:
    """A cleared plan is completed once every activity it schedules is."""
    status = _CAREPLAN_STATUS.get(plan["status"], "unknown")
    planned = [a["detail"]["status"] for a in activities if a["detail"]["status"] != "cancelled"]
    if status == "active" and planned and all(s == "completed" for s in planned):
        return "completed"
    return status


def _care_plans(b: _Builder, conditions: Mapping[str, str]) -> None:
    for plan in b.record.plans:
        body = plan["plan"]
        followed = [s for s in b.record.sessions if s.get("plan_id") == plan["resource_id"]]
        activities = []
        for treatment in body.get("treatments", []):
            zone = treatment["zone"]
            scheduled = [s for s in body.get("schedule", []) if zone in s["zones"]]
            dates = [f"{session['date']}" for session in scheduled if session.get("date")]
            done = [s for s in followed if zone in {z["zone"] for z in s["zones"]}]
            depths = [
                f"session {s['session']}: {s['depth_mm'][zone]} mm"
                for s in body.get("schedule", [])
                if zone in s.get("depth_mm", {})
            ]
            indication = b.indications.get(treatment["indication"], treatment["indication"])
            detail: Resource = {
                "code": concept(codes.PROCEDURE_SYSTEM, *codes.MICRONEEDLING),
                "reasonReference": [{"reference": conditions[treatment["indication"]]}],
                "status": _activity_status(treatment, len(scheduled), len(done)),
                "scheduledTiming": {"event": dates} if dates else None,
                "description": (
                    f"{b.zones.get(zone, zone)} for {indication}: " + "; ".join(depths)
                    if depths
                    else f"{b.zones.get(zone, zone)} for {indication}: {treatment['status']}"
                ),
            }
            procedures = [b.ref("procedure", s["resource_id"]) for s in done]
            activities.append(
                _compact({"outcomeReference": procedures, "detail": _compact(detail)})
            )
        care_plan: Resource = {
            "resourceType": "CarePlan",
            "status": _care_plan_status(plan, activities),
            "intent": "plan",
            "title": "Microneedling plan",
            "description": f"Planner status '{plan['status']}', knowledge base "
            f"{plan['knowledge_version']}",
            "subject": b.patient,
            "period": {"start": _date(plan.get("start_date"))} if plan.get("start_date") else None,
            "created": str(plan["created_at"]),
            "author": b.practitioner(plan.get("created_by")),
            "addresses": [
                {"reference": conditions[indication]}
                for indication in dict.fromkeys(
                    c["indication"] for c in plan["request"].get("concerns", [])
                )
            ],
            "activity": activities,
        }
        b.add("careplan", plan["resource_id"], _compact(care_plan), plan["version"])


def _session_notes(session: JsonObject) -> list[str]:
    device = session["device"] + (f" {session['device_model']}" if session["device_model"] else "")
    notes = [f"device: {device}"]
    for label, name in (("cartridge", "cartridge"), ("lot", "lot_number")):
        if session.get(name):
            notes.append(f"{label}: {session[name]}")
    for used in session.get("lots", []):
        units = f" x {used['quantity']}" if used["quantity"] > 1 else ""
        notes.append(f"lot: {used['lot_number']} ({used['product']}){units}")
    notes.append(f"single use: {'yes' if session['single_use'] else 'no'}")
    for zone in session["zones"]:
        passes = f", {zone['passes']} passes" if zone.get("passes") else ""
        notes.append(f"{zone['zone']}: {zone['needle_mm']} mm{passes}")
    for label in ("end_point", "anaesthetic", "immediate_reactions", "notes"):
        if session.get(label):
            notes.append(f"{label.replace('_', ' ')}: {session[label]}")
    if session.get("topicals"):
        notes.append("topicals: " + ", ".join(session["topicals"]))
    for warning in session.get("warnings", []):
        notes.append(f"warning {warning['code']}: {warning.get('message', '')}".rstrip(": "))
    return notes


def _procedures(b: _Builder) -> None:
    for session in b.record.sessions:
        performer = b.practitioner(session.get("operator_id"))
        device = session["device"]
        procedure: Resource = {
            "resourceType": "Procedure",
            "status": "completed",
            "code": concept(codes.PROCEDURE_SYSTEM, *codes.MICRONEEDLING),
            "subject": b.patient,
            "basedOn": [b.ref("careplan", session["plan_id"])] if session.get("plan_id") else None,
            "performedDateTime": str(session["performed_on"]),
            "performer": [{"actor": performer}] if performer else None,
            "bodySite": b.zone_sites(z["zone"] for z in session["zones"]),
            "complication": [
                {"text": f"{event['event']} ({event['severity']})"}
                for event in session.get("adverse_events", [])
            ]
            or None,
            "note": [{"text": text} for text in _session_notes(session)],
            "usedCode": [concept(codes.DEVICE_SYSTEM, device, f"Microneedling {device}")],
        }
        b.add("procedure", session["resource_id"], _compact(procedure), session["version"])


def _observations(b: _Builder) -> None:
    for score in b.record.scores:
        if score.get("value") is None:
            continue
        unit_code, unit = codes.ucum_unit(score["instrument"])
        observation: Resource = {
            "resourceType": "Observation",
            "status": "final",
            "category": [concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")],
            "code": concept(
                codes.INSTRUMENT_SYSTEM,
                score["instrument"],
                _instrument_name(score["instrument"]),
            ),
            "subject": b.patient,
            "partOf": [b.ref("procedure", score["session_id"])]
            if score.get("session_id")
            else None,
            "effectiveDateTime": str(score["scored_on"]),
            "performer": [p] if (p := b.practitioner(score.get("created_by"))) else None,
            "valueQuantity": {
                "value": score["value"],
                "unit": unit,
                "system": codes.UCUM,
                "code": unit_code,
            },
            "interpretation": [{"text": score["band"]}] if score.get("band") else None,
        }
        b.add("score", score["resource_id"], _compact(observation), score["version"])


def _consents(b: _Builder) -> None:
    for consent in b.record.consents:
        scope_code, scope_display = codes.CONSENT_SCOPE_BY_SCOPE[consent["scope"]]
        withdrawn = consent.get("decision") == "withdrawn"
        title = (
            f"{consent['scope']} consent{' withdrawn' if withdrawn else ''}, "
            f"text version {consent['text_version']}, "
            f"{consent['method'].replace('_', ' ')} by {consent['signer_name']}"
        )
        resource: Resource = {
            "resourceType": "Consent",
            "status": "active",
            "scope": concept(codes.CONSENT_SCOPE, scope_code, scope_display),
            "category": [
                {"coding": [coding(codes.LOINC, codes.PATIENT_CONSENT)], "text": "Patient consent"},
                concept(codes.CONSENT_SYSTEM, consent["scope"], f"Consent to {consent['scope']}"),
            ],
            "patient": b.patient,
            "dateTime": str(consent["signed_at"]),
            "organization": [b.ref("organization", b.clinic_id)],
            "sourceAttachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": base64.b64encode(consent["text"].encode()).decode(),
                "title": title,
            },
            "policy": [
                {"uri": f"{codes.PROJECT_URI}/consent/{consent['scope']}/{consent['text_version']}"}
            ],
            # A withdrawal is a record of its own that denies what the earlier one permitted.
            "provision": {"type": "deny" if withdrawn else "permit"},
        }
        b.add("consent", consent["resource_id"], resource, consent["version"])


def _media(b: _Builder) -> None:
    for photo in b.record.photos:
        attachment: Resource = {
            "contentType": photo["content_type"],
            "size": photo["size_bytes"],
            "title": f"{photo['view']} view, {photo['taken_on']}",
        }
        content = b.record.photo_content.get(photo["id"])
        if content is not None:
            attachment["data"] = base64.b64encode(content).decode()
        elif b.installation.public_url:
            attachment["url"] = f"{b.installation.public_url}/api/v1/photos/{photo['id']}/file"
        view = photo["view"]
        media: Resource = {
            "resourceType": "Media",
            "identifier": [{"system": codes.PHOTO_SHA256_SYSTEM, "value": photo["sha256"]}],
            "partOf": [b.ref("procedure", photo["session_id"])]
            if photo.get("session_id")
            else None,
            "status": "completed",
            "type": concept(codes.MEDIA_TYPE, "image", "Image"),
            "view": concept(codes.PHOTO_VIEW_SYSTEM, view, view.replace("_", " ")),
            "subject": b.patient,
            "createdDateTime": str(photo["taken_on"]),
            "bodySite": b.zone_sites([photo["zone"]])[0] if photo.get("zone") else None,
            "note": [
                {
                    "text": "consent to use: "
                    + ("yes" if photo["consent_to_use"] else "no")
                    + (f"; lighting: {photo['lighting']}" if photo.get("lighting") else "")
                }
            ],
            "content": attachment,
        }
        b.add("photo", photo["resource_id"], _compact(media), photo["version"])


def _photo_observations(b: _Builder) -> None:
    """A photo's stored measures as imaging Observations derived from its Media, each with
    the minimal detectable change it is judged against."""
    taken = {photo["resource_id"]: photo["taken_on"] for photo in b.record.photos}
    for m in b.record.photo_measurements:
        if m["value"] is None or m["photo_id"] not in taken:
            continue
        zone = m["zone"].replace("_", " ")
        observation: Resource = {
            "resourceType": "Observation",
            "status": "final",
            "category": [concept(codes.OBSERVATION_CATEGORY, "imaging", "Imaging")],
            "code": concept(codes.PHOTO_MEASURE_SYSTEM, m["measure"], m["name"]),
            "subject": b.patient,
            "effectiveDateTime": str(taken[m["photo_id"]]),
            "bodySite": concept(codes.FACE_ZONE_SYSTEM, m["zone"], zone),
            "derivedFrom": [b.ref("photo", m["photo_id"])],
            "valueQuantity": {
                "value": m["value"],
                "unit": m["unit"],
                "system": codes.UCUM,
                "code": m["unit"],
            },
            "note": [
                {
                    "text": f"minimal detectable change (MDC95) {m['mdc']}: a smaller change "
                    "between two photos is no detectable change"
                }
            ]
            if m["mdc"] is not None
            else None,
        }
        key = f"{m['photo_id']}/{m['zone']}/{m['measure']}"
        b.add("photo-measure", key, _compact(observation))


# The resource an amended record of each kind became (intakes become several Conditions).
_AMENDED_RESOURCE = {
    "session": ("procedure", "Procedure"),
    "score": ("score", "Observation"),
    "consent": ("consent", "Consent"),
    "photo": ("photo", "Media"),
}


def _provenances(b: _Builder) -> None:
    """One Provenance per amendment of a resource in the bundle: which version it replaced,
    why, when and by whom."""
    present = {entry["fullUrl"] for entry in b.entries}
    for amendment in b.record.amendments:
        if amendment["kind"] not in _AMENDED_RESOURCE:
            continue
        kind, resource_type = _AMENDED_RESOURCE[amendment["kind"]]
        target = b.url(kind, amendment["resource_id"])
        if target not in present:
            continue
        replaced = amendment["version"] - 1
        who = b.practitioner(amendment.get("by")) or b.ref(
            "organization", b.clinic_id, b.record.clinic["name"]
        )
        provenance: Resource = {
            "resourceType": "Provenance",
            "target": [{"reference": target, "display": f"version {amendment['version']}"}],
            "recorded": str(amendment["at"]),
            "reason": [{"text": amendment["reason"]}],
            "activity": concept(codes.DATA_OPERATION, "UPDATE", "revise"),
            "agent": [{"who": who}],
            "entity": [
                {
                    "role": "revision",
                    "what": {"display": f"{resource_type} version {replaced}, now replaced"},
                }
            ],
        }
        b.add("provenance", f"{amendment['kind']}/{amendment['id']}", provenance)


def _practitioners(b: _Builder) -> None:
    for user_id in sorted(b.practitioners_used):
        b.add(
            "practitioner",
            user_id,
            {"resourceType": "Practitioner", "name": [{"text": b.record.practitioners[user_id]}]},
        )


def _compact(resource: Resource) -> Resource:
    """Leave out empty elements: FHIR forbids nulls and empty arrays."""
    return {key: value for key, value in resource.items() if value not in (None, [], {})}


def build_bundle(
    record: ClientRecord, *, installation: Installation, timestamp: dt.datetime
) -> dict[str, Any]:
    """The client's record as a FHIR R4 collection bundle (JSON-ready), validated."""
    b = _Builder(record, installation)
    _organization(b)
    _patient(b)
    conditions = _indication_conditions(b)
    _screening_conditions(b)
    _care_plans(b, conditions)
    _procedures(b)
    _observations(b)
    _consents(b)
    _media(b)
    _photo_observations(b)
    _provenances(b)
    _practitioners(b)
    bundle = {
        "resourceType": "Bundle",
        "id": b.url("bundle", record.client["id"])[9:],
        "meta": {"lastUpdated": timestamp.isoformat()},
        "type": "collection",
        "timestamp": timestamp.isoformat(),
        "entry": b.entries,
    }
    validate(bundle)
    return bundle


def validate(bundle: Mapping[str, Any]) -> None:
    """Raise pydantic's ValidationError when the bundle or a resource in it is not valid FHIR."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
