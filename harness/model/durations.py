"""Durations as people write them in YAML: 90, "90s", "5m", "2h", "7d"."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as '90s', '5m', '2h', '7d'."""
    if isinstance(value, bool):
        raise ValueError(f"expects a duration such as 90, '90s', '5m', '2h' or '7d', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match[1]) * _UNITS[match[2] or "s"]
    else:
        raise ValueError(f"expects a duration such as 90, '90s', '5m', '2h' or '7d', got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"expects a finite duration, got {value!r}")
    if seconds < 0:
        raise ValueError(f"expects a duration of 0 or more, got {value!r}")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]
