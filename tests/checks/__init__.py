"""Tests of the check catalogue (harness/checks), on hand-built transcripts."""
