from __future__ import annotations

import pytest

from harness import Pack, bundled_dir, load_pack


@pytest.fixture(scope="session")
def pack() -> Pack:
    """The bundled scenarios and personas."""
    return load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
