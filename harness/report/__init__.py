"""Reporters: what a run shows a person (terminal) and writes for tools (results.json)."""
