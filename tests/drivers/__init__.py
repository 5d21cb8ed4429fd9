"""Tests of the drivers (harness/drivers): the shared effect step, virtual and concurrent play."""
