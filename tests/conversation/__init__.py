"""Tests of the conversation engine (harness/conversation): play, lexicon, desk."""
