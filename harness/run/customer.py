"""The run's language-model customer (`--customer`, `--customer-replay`), if it has one.

`customer_model(options)` reads the endpoint file or the cassette before anything is made,
so a bad one is a ConfigError (exit status 2, nothing run); `writer(out)` then opens the
model, recording to `out/customer-cassette.jsonl`, or the cassette it replays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import ConfigError
from harness.run.plan import RunOptions

if TYPE_CHECKING:  # aiohttp is loaded only for a run with a customer model
    from harness.adapters.customer_model import CassetteWriter, ModelWriter
    from harness.adapters.openai import OpenAIEndpoint


@dataclass(frozen=True, slots=True)
class CustomerModel:
    endpoint: OpenAIEndpoint | None  # None: replay `replay`
    replay: CassetteWriter | None
    timeout: float

    def writer(self, out: Path | None) -> ModelWriter | CassetteWriter:
        from harness.adapters.customer_model import CASSETTE, ModelWriter

        if self.replay is not None:
            return self.replay
        assert self.endpoint is not None
        cassette = None if out is None else out / CASSETTE
        return ModelWriter(self.endpoint, cassette, timeout=self.timeout)


def customer_model(options: RunOptions) -> CustomerModel | None:
    if options.customer is not None and options.customer_replay is not None:
        raise ConfigError(["--customer and --customer-replay: give one (a model, or the "
                           "cassette of an earlier run)"])  # fmt: skip
    if options.customer is None and options.customer_replay is None:
        return None
    from harness.adapters.customer_model import CassetteWriter
    from harness.adapters.endpoint import load_endpoint
    from harness.adapters.openai import OpenAIEndpoint

    if options.customer_replay is not None:
        return CustomerModel(None, CassetteWriter(options.customer_replay), options.timeout)
    assert options.customer is not None
    endpoint = load_endpoint(options.customer)
    if not isinstance(endpoint, OpenAIEndpoint):
        kind = getattr(endpoint, "kind", "?")
        raise ConfigError([f"--customer {options.customer}: the customer's model needs an "
                           f"endpoint file of kind: openai, got kind: {kind}"])  # fmt: skip
    return CustomerModel(endpoint, None, options.timeout)
