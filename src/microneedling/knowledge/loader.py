"""Load the knowledge base from its TOML files and refuse to start on a bad row.

Each row is validated on its own so an error names the file and the row; then the rows are
cross-checked (every reference id and code must exist, every number must carry a reference, and
a grade other than `derived` must come from a source that reports the number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from microneedling.knowledge.compiled import load_compiled
from microneedling.knowledge.hazards import CONTROL_KINDS, control_rows
from microneedling.knowledge.models import (
    Aftercare,
    Cited,
    Claim,
    Combination,
    Contraindication,
    Device,
    Hazard,
    Indication,
    Knowledge,
    KnowledgeMeta,
    KnowledgeRow,
    PreCare,
    Reference,
    Referral,
    Rules,
    Sourced,
    Term,
    Topical,
    Zone,
)

KnowledgeRowT = TypeVar("KnowledgeRowT", bound=KnowledgeRow)
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
EXPERT_DEFAULT = "expert_default"
_SECTION_FILES = {"pre_care": "care.toml", "aftercare": "care.toml", "rules": "rules.toml"}


class KnowledgeError(Exception):
    """The knowledge base is inconsistent; the message names the file and the row."""


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def _validate(model: type[KnowledgeRowT], data: Any, where: str) -> KnowledgeRowT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(item['loc']) or '(row)'}: {item['msg']}" for item in error.errors()
        )
        raise KnowledgeError(f"{where}: {problems}") from None


def _rows(
    model: type[KnowledgeRowT], documents: Mapping[str, dict[str, Any]], file: str, table: str
) -> list[KnowledgeRowT]:
    rows = documents[file].get(table, [])
    result = []
    for number, row in enumerate(rows, start=1):
        label = row.get("code") or row.get("id") or row.get("type") or ""
        result.append(_validate(model, row, f"{file}, {table} #{number} ({label})"))
    return result


def _keyed(rows: list[KnowledgeRowT], key: str, file: str) -> dict[str, KnowledgeRowT]:
    keyed: dict[str, KnowledgeRowT] = {}
    for row in rows:
        value = getattr(row, key)
        if value in keyed:
            raise KnowledgeError(f"{file}: duplicate {key} '{value}'")
        keyed[value] = row
    return keyed


def _terms(documents: Mapping[str, dict[str, Any]], table: str) -> dict[str, Term]:
    entries = documents["vocabulary.toml"].get(table, {})
    return {
        code: _validate(Term, entry, f"vocabulary.toml, [{table}] {code}")
        for code, entry in entries.items()
    }


def _expand_zones(raw: dict[str, Any], zones: dict[str, Zone], where: str) -> dict[str, Any]:
    """Replace the zone groups `@face` and `@all` and drop `zones_except`."""
    groups = {"@face": [z for z, row in zones.items() if row.facial], "@all": list(zones)}
    expanded: list[str] = []
    for zone in raw.get("zones", []):
        for code in groups.get(zone, [zone]):
            if code not in expanded:
                expanded.append(code)
    excluded = raw.get("zones_except", [])
    for code in excluded:
        if code not in zones:
            raise KnowledgeError(f"{where}: zones_except names unknown zone '{code}'")
    return {**raw, "zones": [z for z in expanded if z not in excluded]}


def _read_documents(directory: Traversable) -> dict[str, dict[str, Any]]:
    import tomllib  # here, not at the top: a start from the compiled copy parses no TOML

    documents: dict[str, dict[str, Any]] = {}
    for entry in sorted(directory.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml"):
            try:
                documents[entry.name] = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise KnowledgeError(f"{entry.name}: not valid TOML: {error}") from None
    required = [
        "meta.toml",
        "references.toml",
        "zones.toml",
        "indications.toml",
        "devices.toml",
        "contraindications.toml",
        "combinations.toml",
        "referrals.toml",
        "topicals.toml",
        "claims.toml",
        "care.toml",
        "rules.toml",
        "vocabulary.toml",
        "hazards.toml",
    ]
    missing = [name for name in required if name not in documents]
    if missing:
        raise KnowledgeError(f"knowledge base is missing {', '.join(missing)}")
    return documents


def load_from(directory: Traversable | Path) -> Knowledge:
    """Load and check the knowledge base in a directory of TOML files."""
    documents = _read_documents(directory)
    reference_rows: list[Reference] = []
    for name in documents:
        if name.endswith("references.toml"):
            reference_rows += _rows(Reference, documents, name, "reference")
    zones = _keyed(_rows(Zone, documents, "zones.toml", "zone"), "code", "zones.toml")
    indication_rows = []
    for number, raw in enumerate(documents["indications.toml"].get("indication", []), start=1):
        where = f"indications.toml, indication #{number} ({raw.get('code', '')})"
        indication_rows.append(_validate(Indication, _expand_zones(raw, zones, where), where))
    knowledge = Knowledge.model_construct(
        meta=_validate(KnowledgeMeta, documents["meta.toml"], "meta.toml"),
        references=_keyed(reference_rows, "id", "references"),
        zones=zones,
        indications=_keyed(indication_rows, "code", "indications.toml"),
        devices=_keyed(_rows(Device, documents, "devices.toml", "device"), "type", "devices.toml"),
        contraindications=_rows(
            Contraindication, documents, "contraindications.toml", "contraindication"
        ),
        combinations=_keyed(
            _rows(Combination, documents, "combinations.toml", "combination"),
            "code",
            "combinations.toml",
        ),
        referrals=_keyed(
            _rows(Referral, documents, "referrals.toml", "referral"), "code", "referrals.toml"
        ),
        topicals=_keyed(
            _rows(Topical, documents, "topicals.toml", "topical"), "code", "topicals.toml"
        ),
        claims=_keyed(_rows(Claim, documents, "claims.toml", "claim"), "id", "claims.toml"),
        pre_care=_rows(PreCare, documents, "care.toml", "pre_care"),
        aftercare=_rows(Aftercare, documents, "care.toml", "aftercare"),
        rules=_validate(Rules, documents["rules.toml"], "rules.toml"),
        conditions=_terms(documents, "conditions"),
        medications=_terms(documents, "medications"),
        procedures=_terms(documents, "procedures"),
        scar_types=_terms(documents, "scar_types"),
        warnings=_terms(documents, "warnings"),
        client_findings=_terms(documents, "client_findings"),
        session_warnings=_terms(documents, "session_warnings"),
        adverse_events=_terms(documents, "adverse_events"),
        hazards=_keyed(_rows(Hazard, documents, "hazards.toml", "hazard"), "code", "hazards.toml"),
    )
    _cross_check(knowledge)
    return knowledge


def _walk_references(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Yield (path, reference id) for every `references` or `background` list inside a row."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            child = getattr(value, name)
            if name in ("references", "background") and isinstance(child, list):
                for ref in child:
                    yield f"{path}.{name}", ref
            else:
                yield from _walk_references(child, f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_references(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_references(item, f"{path}.{key}")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise KnowledgeError(message)


def _require_known(codes: list[str], known: Mapping[str, object], what: str, where: str) -> None:
    for code in codes:
        _require(code in known, f"{where}: unknown {what} '{code}'")


def walk_cited(value: Any, path: str) -> Iterator[tuple[str, Cited]]:
    """Yield (path, row) for every cited number or rule inside a value, outermost first.

    A list item is named by its `code` (with `#n` where a code repeats) or by its position.
    """
    if isinstance(value, Cited):
        yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk_cited(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        codes = [getattr(item, "code", None) for item in value]
        seen: dict[str, int] = {}
        for index, (item, code) in enumerate(zip(value, codes, strict=True), start=1):
            if code is None:
                label = f"#{index}"
            else:
                seen[code] = seen.get(code, 0) + 1
                label = f"{code}#{seen[code]}" if codes.count(code) > 1 else code
            yield from walk_cited(item, f"{path}.{label}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_cited(item, f"{path}.{key}")


def _check_citation(kb: Knowledge, cited: Cited, where: str) -> None:
    """The two kinds of citation: only sources that report a number back its grade."""
    overlap = set(cited.references) & set(cited.background)
    _require(not overlap, f"{where}: {sorted(overlap)} both reports and is background")
    if cited.evidence == ["derived"]:
        reporting = [ref for ref in cited.references if ref != EXPERT_DEFAULT]
        _require(
            not reporting,
            f"{where}: graded derived, so {reporting} do not report it; list them as background",
        )
        return
    _require(
        "derived" not in cited.evidence,
        f"{where}: a number is either derived or graded by the sources that report it",
    )
    reporting = [ref for ref in cited.references if ref != EXPERT_DEFAULT]
    _require(
        bool(reporting) and EXPERT_DEFAULT not in cited.references,
        f"{where}: graded {cited.evidence} but no reference reports it; grade it derived",
    )
    levels = {level for ref in reporting for level in kb.references[ref].evidence}
    unbacked = [level for level in cited.evidence if level not in levels]
    _require(not unbacked, f"{where}: no reporting reference is graded {unbacked}")
    _require(
        not isinstance(cited, Sourced) or bool(cited.quote.strip()),
        f"{where}: a supported number needs the quote (or table or page) its references report",
    )


def _cross_check(kb: Knowledge) -> None:
    for section in type(kb).model_fields:
        if section == "references":
            continue
        for path, ref in _walk_references(getattr(kb, section), section):
            _require(ref in kb.references, f"{path}: unknown reference '{ref}'")
        file = _SECTION_FILES.get(section, f"{section}.toml")
        for path, cited in walk_cited(getattr(kb, section), section):
            _check_citation(kb, cited, f"{file}, {path}")
    for code, indication in kb.indications.items():
        where = f"indications.toml, indication '{code}'"
        _require(
            not indication.visible or indication.visible_source is not None,
            f"{where}: 'visible' needs a visible_source (its grade and references)",
        )
        _require_known(indication.zones, kb.zones, "zone", where)
        _require_known(indication.combinations, kb.combinations, "combination", where)
        if indication.answer:
            _require_known(indication.answer.referrals, kb.referrals, "referral", where)
            if indication.answer.claim:
                _require_known([indication.answer.claim], kb.claims, "claim", where)
    for number, rule in enumerate(kb.contraindications, start=1):
        _check_contraindication(kb, rule, f"contraindications.toml, #{number} ({rule.code})")
    for code, referral in kb.referrals.items():
        _require_known(referral.scar_types, kb.scar_types, "scar type", f"referral '{code}'")
    for code, topical in kb.topicals.items():
        if topical.claim:
            _require_known([topical.claim], kb.claims, "claim", f"topical '{code}'")
    _require_known([kb.rules.home.claim], kb.claims, "claim", "rules.toml, [home]")
    _require_known(kb.rules.home.combinations, kb.combinations, "combination", "rules.toml, [home]")
    _require_known(kb.rules.home.topicals, kb.topicals, "topical", "rules.toml, [home]")
    for exception in kb.rules.interval_exceptions:
        _require_known([exception.indication], kb.indications, "indication", "rules.toml")
        _require_known(exception.zones, kb.zones, "zone", "rules.toml")
    for item in kb.pre_care:
        where = f"care.toml, pre_care '{item.code}'"
        _require(
            not _DIGIT.search(item.text) or bool(item.references),
            f"{where}: the text holds a number but no reference",
        )
        _require(
            set(_NUMBER.findall(item.patient or "")) <= set(_NUMBER.findall(item.text)),
            f"{where}: the patient wording holds a number that the clinician text does not",
        )
        _check_when(kb, item.when, where)
        _require_known(item.mentions, _products(kb), "product", where)
    for after in kb.aftercare:
        where = f"care.toml, aftercare '{after.code}'"
        _check_when(kb, after.when, where)
        _require_known(after.mentions, _products(kb), "product", where)
    for code, hazard in kb.hazards.items():
        for control in hazard.controls:
            _require(
                bool(control_rows(kb, control)),
                f"hazards.toml, hazard '{code}': no row '{control}' "
                f"(kinds: {', '.join(CONTROL_KINDS)})",
            )


def _products(kb: Knowledge) -> dict[str, object]:
    """Codes of what may be put on or beside needled skin: combinations and topicals."""
    return {**kb.combinations, **kb.topicals}


def _check_contraindication(kb: Knowledge, rule: Contraindication, where: str) -> None:
    vocabularies: dict[str, Mapping[str, object]] = {
        "condition": kb.conditions,
        "medication": kb.medications,
        "procedure": kb.procedures,
        "pregnancy": kb.client_findings,
        "breastfeeding": kb.client_findings,
        "age": kb.client_findings,
        "indication": kb.indications,
        "scar_type": kb.client_findings,
    }
    _require_known([rule.code], vocabularies[rule.trigger], rule.trigger, where)
    _require_known(rule.scar_types, kb.scar_types, "scar type", where)
    _require(
        (rule.trigger == "scar_type") == bool(rule.scar_types),
        f"{where}: scar_types go with trigger 'scar_type' and it needs them",
    )
    _require_known(rule.withholds, _products(kb), "product", where)
    _require_known(rule.zones, kb.zones, "zone", where)
    _require_known(rule.indications + rule.indications_except, kb.indications, "indication", where)
    _require_known(rule.with_combinations, _products(kb), "product", where)
    if rule.adds_combination:
        _require_known([rule.adds_combination], kb.combinations, "combination", where)
    if rule.adds_referral:
        _require_known([rule.adds_referral], kb.referrals, "referral", where)
    has_age = rule.age_below_years is not None or rule.age_from_years is not None
    _require(not has_age or bool(rule.references), f"{where}: an age limit needs a reference")
    term = vocabularies[rule.trigger].get(rule.code)
    if rule.variants and isinstance(term, Term):
        _require_known(
            [v for v in rule.variants if v != "unknown"],
            dict.fromkeys(term.variants),
            "variant",
            where,
        )


def _check_when(kb: Knowledge, when: Any, where: str) -> None:
    _require_known(when.combinations, kb.combinations, "combination", where)
    _require_known(when.topicals, kb.topicals, "topical", where)
    _require_known(when.products, _products(kb), "product", where)
    finding_codes = {
        **kb.conditions,
        **kb.medications,
        **kb.procedures,
        **kb.client_findings,
    }
    _require_known(when.findings, finding_codes, "finding", where)


@cache
def load_knowledge() -> Knowledge:
    """The packaged knowledge base, checked once per process; once per change, where compiled."""
    directory = files("microneedling.knowledge") / "data"
    if isinstance(directory, Path):
        return load_compiled(directory, load_from)
    return load_from(directory)
