"""Tests of the adapters (harness/adapters), against real servers and processes on 127.0.0.1."""
