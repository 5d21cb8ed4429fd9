from __future__ import annotations

import contextlib
import os
import warnings

import pytest
from hypothesis import Phase, settings

from harness import Pack, bundled_dir, load_pack

# The checks that the endpoint tests share live in harness_cli; rewritten, their asserts
# show the values that failed, as a test's own do.
pytest.register_assert_rewrite("harness_cli")


@pytest.fixture(scope="session")
def pack() -> Pack:
    """The bundled scenarios and personas."""
    return load_pack([bundled_dir("personas"), bundled_dir("scenarios")])


# Hypothesis runs the same examples on every run and every machine (derandomize), keeps no
# example database (the suite writes no files), and has no deadline: the first example of a
# test builds the Faker pools. It skips the explain phase, which takes 10-20 s per failing
# customer test for a comment on which arguments did not matter; shrinking stays.
# Another profile can be chosen with HYPOTHESIS_PROFILE.
settings.register_profile(
    "harness",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    phases=[p for p in Phase if p is not Phase.explain],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "harness"))

# On a failing example Hypothesis imports libcst to write an @example patch, and libcst
# uses the deprecated mypy_extensions.TypedDict: under filterwarnings=error that turns every
# falsifying example into an INTERNALERROR that hides it. Import libcst once, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import libcst  # noqa: F401
