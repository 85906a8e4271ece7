"""Facial Acne Scar Quality of Life (FASQoL): registered, deliberately not calculated.

Source: Layton A et al., Dermatol Ther (Heidelb) 2016;6(2):219-233 (`layton2016`). Confirmed:
10 self-completed items, a higher total means a greater impact. Not confirmed: the item wording,
the response options per item, any bands and the terms of use. Until they are, asking for this
instrument is an input error that says so, rather than a guess at the scale.
"""

from __future__ import annotations

CODE = "facial_acne_scar_qol"
NAME = "Facial Acne Scar Quality of Life"
REFERENCES = ("layton2016",)
REASON = (
    "its item response scale, interpretation bands and terms of use are not confirmed against "
    "the published instrument (Layton 2016)"
)
