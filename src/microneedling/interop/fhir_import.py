"""Read a FHIR R4 `Bundle` into a new client: the `Patient` and its `Condition` resources.

Everything is checked before anything is stored. What cannot be mapped (an unknown code, a
second patient, a patient element the records have no place for, a resource type this import
does not read) is reported with its place in the bundle, and the whole bundle is refused; with
`skip_unmapped`, resources of other types (plans, sessions, scores, …) are counted and left
out instead. Codes are read from the project's code systems and from ICD-10-CM, whose codes are
checked against the offline ICD-10-CM tabular list of `simple-icd-10-cm`; a condition whose
codings disagree is refused. A transaction or batch bundle may only create or update (POST,
PUT) a Patient and its Conditions. Raw input is read by `load_json`, which accepts a UTF-8
byte-order mark and refuses undecodable, invalid or too deeply nested JSON with a problem line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from microneedling.errors import FieldProblem, InputError
from microneedling.interop import codes
from microneedling.knowledge import load_knowledge

# Resources that only give context to the patient (the sending clinic and its staff).
CONTEXT_TYPES = frozenset({"Organization", "Practitioner"})
PATIENT_IGNORED = frozenset(
    {"resourceType", "id", "meta", "text", "managingOrganization", "active"}
)
PATIENT_MAPPED = frozenset({"name", "birthDate", "gender", "telecom", "identifier"})
CONDITION_READ = frozenset(
    {
        "resourceType",
        "id",
        "meta",
        "text",
        "code",
        "subject",
        "bodySite",
        "clinicalStatus",
        "verificationStatus",
        "category",
        "recordedDate",
        "note",
    }
)
GENDERS = ("female", "male", "other", "unknown")
# What a transaction or batch bundle may ask: to create or update the patient and conditions.
REQUEST_METHODS = ("POST", "PUT")
REQUEST_TYPES = ("Patient", "Condition")
# FHIR resources nest a few levels (an extension of an extension is about ten); nothing this
# import reads comes near, and deeper input is refused before anything recurses into it.
MAX_DEPTH = 64
TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels"
# The lengths the records keep (table client_identifiers).
MAX_IDENTIFIER_SYSTEM = 500
MAX_IDENTIFIER_VALUE = 200


@dataclass(frozen=True)
class ImportedCondition:
    """A condition as the import understood it: its code, where it is, and its status."""

    system: str
    code: str
    display: str
    status: str | None = None
    zones: tuple[str, ...] = ()
    icd_10_cm: str | None = None

    def line(self) -> str:
        kind = {codes.INDICATION_SYSTEM: "indication", codes.CONDITION_SYSTEM: "condition"}
        label = kind.get(self.system, "ICD-10-CM")
        coded = f"{label} {self.code}"
        if self.icd_10_cm and self.system != codes.ICD_10_CM:
            coded += f", ICD-10-CM {self.icd_10_cm}"
        text = f"{self.display} [{coded}]"
        if self.status:
            text += f", {self.status}"
        if self.zones:
            text += f", zones: {', '.join(self.zones)}"
        return text


@dataclass(frozen=True)
class ImportedClient:
    """The new client's fields, its conditions, and the resources left out (by type)."""

    client: dict[str, Any]
    conditions: tuple[ImportedCondition, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    identifiers: tuple[tuple[str, str], ...] = ()


class _Problems:
    def __init__(self) -> None:
        self.found: list[FieldProblem] = []

    def add(self, where: str, message: str, allowed: tuple[str, ...] = ()) -> None:
        self.found.append(FieldProblem(where, message, allowed))


def load_json(raw: bytes) -> object:
    """JSON from bytes as a file or standard input holds them: UTF-8 with or without a
    byte-order mark, nested at most `MAX_DEPTH` levels; anything else is an `InputError`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError.one("bundle", f"not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InputError.one("bundle", f"not valid JSON ({where}: {error.msg})") from None
    except RecursionError:
        raise InputError.one("bundle", TOO_DEEP) from None
    if _deeper_than(data, MAX_DEPTH):
        raise InputError.one("bundle", TOO_DEEP)
    return data


def _deeper_than(data: object, limit: int) -> bool:
    """Whether containers nest more than `limit` levels (walked without recursion)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterator[object] = iter(())
        if isinstance(value, Mapping):
            children = iter(value.values())
        elif isinstance(value, list):
            children = iter(value)
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def read_bundle(data: object, *, skip_unmapped: bool = False) -> ImportedClient:
    """The client a bundle describes, or an `InputError` listing everything that was refused."""
    problems = _Problems()
    if _deeper_than(data, MAX_DEPTH):
        problems.add("bundle", TOO_DEEP)
        _raise(problems)
    _validate(data, problems)
    _raise(problems)
    assert isinstance(data, Mapping)
    _requests(data, problems)
    entries = [(i, entry) for i, entry in enumerate(data.get("entry", [])) if "resource" in entry]
    patients = [(i, e) for i, e in entries if e["resource"]["resourceType"] == "Patient"]
    if data.get("resourceType") != "Bundle":
        problems.add("resourceType", "must be Bundle", ("Bundle",))
    if len(patients) != 1:
        problems.add("entry", f"needs exactly one Patient, found {len(patients)}")
        _raise(problems)
    index, patient_entry = patients[0]
    patient = patient_entry["resource"]
    patient_refs = {f"Patient/{patient.get('id')}", patient_entry.get("fullUrl")}
    client = _client(patient, f"entry[{index}].resource", problems, skip_unmapped)
    conditions: list[ImportedCondition] = []
    skipped: Counter[str] = Counter()
    for i, entry in entries:
        resource = entry["resource"]
        kind = resource["resourceType"]
        where = f"entry[{i}].resource"
        if kind == "Patient":
            continue
        if kind == "Condition":
            condition = _condition(resource, where, patient_refs, problems)
            if condition is not None:
                conditions.append(condition)
        elif kind == "Observation" and _is_phototype(resource):
            if resource.get("subject", {}).get("reference") not in patient_refs:
                problems.add(f"{where}(Observation).subject", "must refer to the bundle's Patient")
            client["phototype"] = resource.get("valueInteger")
        elif kind in CONTEXT_TYPES or skip_unmapped:
            skipped[kind] += 1
        else:
            problems.add(
                f"{where}({kind})",
                "this import reads only Patient and Condition resources; pass skip_unmapped "
                "to leave the others out",
            )
    identifiers = _identifiers(patient, f"entry[{index}].resource(Patient)", problems)
    _raise(problems)
    return ImportedClient(client, tuple(conditions), dict(sorted(skipped.items())), identifiers)


def _requests(bundle: Mapping[str, Any], problems: _Problems) -> None:
    """A transaction or batch may only POST or PUT a Patient or Condition; no bundle may ask
    to delete, patch or read anything."""
    restricted = bundle.get("type") in ("transaction", "batch")
    for i, entry in enumerate(bundle.get("entry", [])):
        request = entry.get("request")
        kind = entry.get("resource", {}).get("resourceType", "no resource")
        if request is None and not restricted:
            continue
        method = (request or {}).get("method", "no request")
        if method not in REQUEST_METHODS or (restricted and kind not in REQUEST_TYPES):
            problems.add(
                f"entry[{i}].request",
                f"{method} of {kind} refused: only POST or PUT of a Patient or Condition",
            )


def _identifiers(
    patient: Mapping[str, Any], where: str, problems: _Problems
) -> tuple[tuple[str, str], ...]:
    """The patient's identifiers as (system, value); one without both cannot be matched."""
    found: list[tuple[str, str]] = []
    for i, identifier in enumerate(patient.get("identifier", [])):
        system, value = identifier.get("system"), identifier.get("value")
        if not system or not value:
            problems.add(f"{where}.identifier[{i}]", "needs a system and a value")
        elif len(system) > MAX_IDENTIFIER_SYSTEM or len(value) > MAX_IDENTIFIER_VALUE:
            problems.add(
                f"{where}.identifier[{i}]",
                f"at most {MAX_IDENTIFIER_SYSTEM} characters of system and "
                f"{MAX_IDENTIFIER_VALUE} of value can be kept",
            )
        elif (system, value) not in found:
            found.append((system, value))
    return tuple(found)


def _raise(problems: _Problems) -> None:
    if problems.found:
        raise InputError(problems.found)


def _validate(data: object, problems: _Problems) -> None:
    """Refuse data that is not a valid FHIR bundle, naming the places the models refused."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if not isinstance(data, Mapping) or data.get("resourceType") != "Bundle":
        problems.add("resourceType", "not a FHIR Bundle", ("Bundle",))
        return
    entries = data.get("entry", [])
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource", {}) if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping) or ("resource" in entry and not _known(resource)):
            problems.add(f"entry[{i}]", "needs an object whose resource names a FHIR R4 type")
    if problems.found:
        return
    try:
        Bundle.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "bundle"
            problems.add(where, f"not valid FHIR R4: {item['msg']}")
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        # The models raise these for some shapes (an unknown resourceType, a list for an object)
        problems.add("bundle", f"not valid FHIR R4: {error}")


def _known(resource: Mapping[str, Any]) -> bool:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        get_fhir_model_class(str(resource.get("resourceType")))
    except (KeyError, ValueError):
        return False
    return True


def _client(
    patient: Mapping[str, Any], where: str, problems: _Problems, skip_unmapped: bool
) -> dict[str, Any]:
    unmapped = sorted(set(patient) - PATIENT_IGNORED - PATIENT_MAPPED)
    for element in unmapped:
        if not skip_unmapped:
            problems.add(f"{where}(Patient).{element}", "the client record has no place for it")
    names = patient.get("name", [])
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    client: dict[str, Any] = {
        "given_name": " ".join(name.get("given", [])) or None,
        "family_name": name.get("family"),
    }
    for label, value in (("given", client["given_name"]), ("family", client["family_name"])):
        if not value:
            problems.add(f"{where}(Patient).name", f"needs a {label} name")
    if patient.get("birthDate"):
        if len(patient["birthDate"]) != 10:
            problems.add(f"{where}(Patient).birthDate", "needs a full date (YYYY-MM-DD)")
        client["birth_date"] = patient["birthDate"]
    if patient.get("gender"):
        if patient["gender"] not in GENDERS:
            problems.add(f"{where}(Patient).gender", "unknown gender", GENDERS)
        client["sex"] = patient["gender"]
    for i, telecom in enumerate(patient.get("telecom", [])):
        system = telecom.get("system")
        field_name = {"email": "email", "phone": "phone"}.get(system or "")
        if field_name is None or field_name in client:
            if not skip_unmapped:
                problems.add(
                    f"{where}(Patient).telecom[{i}]",
                    "only one e-mail address and one phone number can be kept",
                    ("email", "phone"),
                )
            continue
        client[field_name] = telecom.get("value")
    return client


def _is_phototype(resource: Mapping[str, Any]) -> bool:
    return any(
        c.get("system") == codes.OBSERVATION_SYSTEM and c.get("code") == codes.PHOTOTYPE[0]
        for c in resource.get("code", {}).get("coding", [])
    )


def _condition(
    resource: Mapping[str, Any],
    where: str,
    patient_refs: set[str | None],
    problems: _Problems,
) -> ImportedCondition | None:
    where = f"{where}(Condition)"
    before = len(problems.found)
    for element in sorted(set(resource) - CONDITION_READ):
        problems.add(f"{where}.{element}", "the import has no place for it")
    if resource.get("subject", {}).get("reference") not in patient_refs:
        problems.add(f"{where}.subject", "must refer to the bundle's Patient")
    code = _code(resource.get("code", {}), f"{where}.code", problems)
    zones = _zones(resource.get("bodySite", []), f"{where}.bodySite", problems)
    status = None
    for coding in resource.get("clinicalStatus", {}).get("coding", []):
        if coding.get("system") == codes.CONDITION_CLINICAL:
            status = coding.get("code")
    if code is None or len(problems.found) > before:
        return None
    system, value, display, icd = code
    return ImportedCondition(system, value, display, status, zones, icd)


def _code(
    concept: Mapping[str, Any], where: str, problems: _Problems
) -> tuple[str, str, str, str | None] | None:
    """The best coding of a condition: the project's own, else a valid ICD-10-CM code."""
    kb = load_knowledge()
    vocabularies = {
        codes.INDICATION_SYSTEM: {c: row.name for c, row in kb.indications.items()},
        codes.CONDITION_SYSTEM: {c: row.name for c, row in kb.conditions.items()},
    }
    codings = concept.get("coding", [])
    icds = list(dict.fromkeys(c.get("code") for c in codings if c.get("system") == codes.ICD_10_CM))
    if len(icds) > 1:
        problems.add(where, f"codings disagree: ICD-10-CM {' and '.join(map(str, icds))}")
        return None
    icd = icds[0] if icds else None
    if icd is not None:
        title = _icd_10_cm_title(icd)
        if title is None:
            problems.add(where, f"'{icd}' is not an ICD-10-CM code")
            return None
    own = list(
        dict.fromkeys(
            (i, c.get("system", ""), c.get("code"))
            for i, c in enumerate(codings)
            if c.get("system") in vocabularies
        )
    )
    if len({(system, code) for _, system, code in own}) > 1:
        listed = " and ".join(str(code) for _, _, code in own)
        problems.add(where, f"codings disagree: {listed}")
        return None
    for i, system, code in own[:1]:
        known = vocabularies[system]
        if code not in known:
            problems.add(f"{where}.coding[{i}]", "unknown code", tuple(known))
            return None
        if icd is not None and not _agrees(system, str(code), icd):
            confirmed = codes.ICD_10_CM_BY_INDICATION.get(str(code))
            expected = f"ICD-10-CM {confirmed.code}" if confirmed else "no confirmed ICD-10-CM code"
            problems.add(where, f"codings disagree: {code} has {expected}, not {icd}")
            return None
        return system, str(code), known[str(code)], icd
    if icd is not None:
        indication = codes.indication_for_icd_10_cm(icd)
        if indication is not None:
            name = vocabularies[codes.INDICATION_SYSTEM][indication]
            return codes.INDICATION_SYSTEM, indication, name, icd
        return codes.ICD_10_CM, icd, str(title), icd
    problems.add(
        where,
        "no coding in a code system this import reads",
        (codes.INDICATION_SYSTEM, codes.CONDITION_SYSTEM, codes.ICD_10_CM),
    )
    return None


def _agrees(system: str, code: str, icd: str) -> bool:
    """A project coding and an ICD-10-CM coding agree only when ICD-10-CM is the indication's
    confirmed code (interop/codes.py); anything else could be two different conditions."""
    confirmed = codes.ICD_10_CM_BY_INDICATION.get(code)
    return system == codes.INDICATION_SYSTEM and confirmed is not None and confirmed.code == icd


def _icd_10_cm_title(code: str) -> str | None:
    icd = codes.icd_10_cm()
    if not icd.is_valid_item(code) or icd.is_chapter_or_block(code):
        return None
    return str(icd.get_description(code))


def _zones(sites: list[Mapping[str, Any]], where: str, problems: _Problems) -> tuple[str, ...]:
    zones = load_knowledge().zones
    found: list[str] = []
    for i, site in enumerate(sites):
        coded = [c for c in site.get("coding", []) if c.get("system") == codes.ZONE_SYSTEM]
        if not coded:
            problems.add(f"{where}[{i}]", "needs a zone code", tuple(zones))
        for coding in coded:
            if coding.get("code") not in zones:
                problems.add(f"{where}[{i}]", "unknown zone", tuple(zones))
            else:
                found.append(coding["code"])
    return tuple(found)
