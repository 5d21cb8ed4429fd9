"""Retail and travel."""

from __future__ import annotations

from harness.bots.journeys import Journey, Label

JOURNEYS: tuple[Journey, ...] = ()

LABELS: dict[str, Label] = {}
