"""FHIR R4 interoperability: a client's record as a FHIR R4 `Bundle` (export) and a new client
from a bundle's `Patient` and `Condition` resources (import).

Resources are built as plain JSON-ready dicts from data a service has read, then validated with
the R4B models of `fhir.resources`, which is imported only inside these modules.
"""
