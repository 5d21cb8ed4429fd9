"""harness: a conversation simulation and test harness for customer-service bots."""

from harness.adapters import Adapter, Reply, Session, open_bot
from harness.checks import CATALOGUE, run_checks
from harness.conversation.desk import DeskConfig
from harness.conversation.lexicon import Lexicon
from harness.customer.generate import generate_persona
from harness.customer.policy import Customer, Observation
from harness.errors import AdapterError, ConfigError, HarnessError
from harness.loading import Pack, bundled_dir, load_pack
from harness.model import Event, Expectations, Persona, Scenario, Transcript, Verdict, outcome
from harness.run import ConversationResult, RunOptions, RunResult, plan, play, reproduce, run

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 (plain sorted order; a test pins it)
    "Adapter",
    "AdapterError",
    "CATALOGUE",
    "ConfigError",
    "ConversationResult",
    "Customer",
    "DeskConfig",
    "Event",
    "Expectations",
    "HarnessError",
    "Lexicon",
    "Observation",
    "Pack",
    "Persona",
    "Reply",
    "RunOptions",
    "RunResult",
    "Scenario",
    "Session",
    "Transcript",
    "Verdict",
    "bundled_dir",
    "generate_persona",
    "load_pack",
    "open_bot",
    "outcome",
    "plan",
    "play",
    "reproduce",
    "run",
    "run_checks",
]
