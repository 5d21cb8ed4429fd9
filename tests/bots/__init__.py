"""Tests of the reference bots (harness/bots) against the bundled pack."""
