"""Code systems and codes used in FHIR exports, and where each code was verified.

- ICD-10-CM (`http://hl7.org/fhir/sid/icd-10-cm`): only codes whose tabular entry confirms the
  indication. Each one is checked in tests/interop/test_codes.py against the offline ICD-10-CM
  tabular list shipped by `simple-icd-10-cm` (the CMS April 1, 2026 release).
- UCUM (`http://unitsofmeasure.org`): units of score values; checked in the tests by the
  independent validator with `@lhncbc/ucum-lhc`.
- HL7 terminology (`http://terminology.hl7.org/CodeSystem/...`): only status and category codes
  the FHIR R4 specification itself defines (condition-clinical, observation-category,
  consentscope, media-type, v3-DataOperation).
- Everything else — the procedure, zones, indications, screening conditions, instruments — uses
  the project's own code systems under `PROJECT_CODE_SYSTEM`, with the display text. No SNOMED CT
  code is used: none could be verified offline, and a guessed code is worse than none.
- LOINC (`http://loinc.org`): only 59284-0, the consent category FHIR R4's consent-category
  value set lists and receivers expect on every Consent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Final

PROJECT_URI: Final = "https://microneedling.example/fhir"
PROJECT_CODE_SYSTEM: Final = f"{PROJECT_URI}/CodeSystem"
PROJECT_IDENTIFIER: Final = f"{PROJECT_URI}/identifier"

ICD_10_CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM: Final = "http://unitsofmeasure.org"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
MEDIA_TYPE: Final = "http://terminology.hl7.org/CodeSystem/media-type"
DATA_OPERATION: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
LOINC: Final = "http://loinc.org"
# The consent category that FHIR R4's consent-category value set and US Core ask of a patient's
# consent; sent without a display, so no display text can disagree with LOINC's.
PATIENT_CONSENT: Final = "59284-0"


def project_system(name: str) -> str:
    """The project's code system for one vocabulary (indication, zone, instrument, …)."""
    return f"{PROJECT_CODE_SYSTEM}/{name}"


INDICATION_SYSTEM: Final = project_system("indication")
CONDITION_SYSTEM: Final = project_system("condition")
ZONE_SYSTEM: Final = project_system("zone")
PROCEDURE_SYSTEM: Final = project_system("procedure")
DEVICE_SYSTEM: Final = project_system("device")
INSTRUMENT_SYSTEM: Final = project_system("instrument")
OBSERVATION_SYSTEM: Final = project_system("observation")
CONSENT_SYSTEM: Final = project_system("consent")
PHOTO_VIEW_SYSTEM: Final = project_system("photo-view")
PHOTO_MEASURE_SYSTEM: Final = project_system("photo-measure")
FACE_ZONE_SYSTEM: Final = project_system("face-zone")
PHOTO_SHA256_SYSTEM: Final = f"{PROJECT_IDENTIFIER}/photo-sha256"

MICRONEEDLING: Final = ("microneedling", "Microneedling (collagen induction therapy)")
PHOTOTYPE: Final = ("fitzpatrick-phototype", "Fitzpatrick skin phototype")


@dataclass(frozen=True)
class Icd10Code:
    """An ICD-10-CM code, its tabular title, and the tabular text that confirms the mapping."""

    code: str
    title: str
    confirmed_by: str


# Source: ICD-10-CM tabular list, CMS April 1, 2026 release (as shipped in simple-icd-10-cm).
# An indication without an entry here has no confirmed ICD-10-CM code and is sent with the
# project code only (wrinkles, laxity, pores, surgical and burn scars, vitiligo with
# hypopigmentation, transdermal delivery).
ICD_10_CM_BY_INDICATION: Final[dict[str, Icd10Code]] = {
    "acne_scars_atrophic": Icd10Code(
        "L90.5",
        "Scar conditions and fibrosis of skin",
        "inclusion term 'Scar NOS'; hypertrophic and keloid scars are excluded (L91.0)",
    ),
    "melasma": Icd10Code("L81.1", "Chloasma", "title: chloasma is melasma"),
    "hyperpigmentation_pih": Icd10Code(
        "L81.0", "Postinflammatory hyperpigmentation", "title matches the indication"
    ),
    "striae": Icd10Code("L90.6", "Striae atrophicae", "title matches the indication"),
    "androgenetic_alopecia": Icd10Code(
        "L64.9", "Androgenic alopecia, unspecified", "category L64 Androgenic alopecia"
    ),
    "alopecia_areata": Icd10Code(
        "L63.9", "Alopecia areata, unspecified", "category L63 Alopecia areata"
    ),
}

# Instruments whose score has a physical unit; every other score is a count of points.
UCUM_BY_INSTRUMENT: Final[dict[str, tuple[str, str]]] = {"ita": ("deg", "°")}
SCORE_UNIT: Final = ("{score}", "score")

# Consent scopes as FHIR R4's consentscope codes (R4 value set consent-scope).
CONSENT_SCOPE_BY_SCOPE: Final[dict[str, tuple[str, str]]] = {
    "treatment": ("treatment", "Treatment"),
    "photography": ("patient-privacy", "Privacy Consent"),
    "photo_publication": ("patient-privacy", "Privacy Consent"),
}


def ucum_unit(instrument: str) -> tuple[str, str]:
    """The UCUM code and the display unit of an instrument's score."""
    return UCUM_BY_INSTRUMENT.get(instrument, SCORE_UNIT)


def indication_for_icd_10_cm(code: str) -> str | None:
    """The indication an ICD-10-CM code was mapped from, if any."""
    for indication, icd in ICD_10_CM_BY_INDICATION.items():
        if icd.code == code:
            return indication
    return None


def icd_10_cm() -> ModuleType:
    """The offline ICD-10-CM tabular list (`simple-icd-10-cm`), loaded without its warnings
    about deprecated resource reading."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module
