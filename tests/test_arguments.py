"""The value types every command's options share: the value, or one line saying why not."""

from __future__ import annotations

import argparse

import pytest

from harness._arguments import above_zero, seconds, share, whole


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [(whole(1), "7", 7), (whole(0, 65535), "65535", 65535), (seconds, "0.5", 0.5),
     (above_zero(), "3", 3.0), (share, "1", 1.0)],
)  # fmt: skip
def test_a_good_value_is_read(kind: object, text: str, value: float) -> None:
    assert callable(kind) and kind(text) == value


@pytest.mark.parametrize(
    ("kind", "text", "said"),
    [
        (whole(1), "0", "expects a whole number of 1 or more, got 0"),
        (whole(1), "many", "expects a whole number of 1 or more, got many"),
        (whole(0, 65535), "70000", "expects a whole number from 0 to 65,535, got 70000"),
        (seconds, "inf", "expects a number of seconds above 0, got inf"),
        (seconds, "nan", "expects a number of seconds above 0, got nan"),
        (above_zero(), "-1", "expects a number above 0, got -1"),
        (share, "1.5", "expects a share above 0 and at most 1, got 1.5"),
    ],
)
def test_a_bad_value_says_what_is_expected(kind: object, text: str, said: str) -> None:
    assert callable(kind)
    with pytest.raises(argparse.ArgumentTypeError, match=f"^{said}$"):
        kind(text)
