"""The value types of the commands' options, shared by every command's parser.

Each is an argparse `type`: it returns the value, or raises ArgumentTypeError with the words
argparse prints after the option's name (`--agents: expects a whole number from 1 to
10,000, got 0`), so a bad option is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number of at least `low` (and at most `high`)."""
    said = f"of {low} or more" if high is None else f"from {low} to {high:,}"

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expects a whole number {said}, got {text}")
        return value

    return whole_number


def above_zero(what: str = "a number") -> Callable[[str], float]:
    """A finite number above 0; `what` names it in the error (`a number of seconds`)."""

    def number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not 0 < value < math.inf:  # NaN fails this too
            raise argparse.ArgumentTypeError(f"expects {what} above 0, got {text}")
        return value

    return number


seconds = above_zero("a number of seconds")


def share(text: str) -> float:
    """A share of a whole: above 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expects a share above 0 and at most 1, got {text}")
    return value


def scenarios_and_bot(parser: argparse.ArgumentParser, *, bot_help: str) -> None:
    """The arguments of every command that plays the pack: PATHS and --bot."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="scenario (and persona) files or folders; default: the bundled pack",
    )
    parser.add_argument("--bot", default="demo:careful", metavar="SPEC", help=bot_help)
