"""Tests of the run (harness/run): planning, determinism, KPIs."""
