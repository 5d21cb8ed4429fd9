"""Tests of the simulated customer (harness/customer): policy, wording, generated personas."""
