"""Passes per session by device (devices.toml); darker phototypes take fewer pen passes
(rules.toml `[phototype_start]`)."""

from __future__ import annotations

from microneedling.clinical.numbers import Num, lowest
from microneedling.knowledge import Knowledge


def passes_for(device_type: str, phototype: int, kb: Knowledge) -> tuple[Num, str] | None:
    """Passes (the device row's maximum) and their unit; None when no number is referenced."""
    device = kb.devices[device_type]
    if device.passes is None:
        return None
    passes = Num.of(device.passes.max, f"devices/{device_type}/passes", device.passes)
    start = kb.rules.phototype_start
    if phototype in start.phototypes and device_type in start.max_passes_devices:
        passes = lowest(passes, Num.of(start.max_passes, "rules/phototype_start/max_passes", start))
    return passes, device.passes.unit
