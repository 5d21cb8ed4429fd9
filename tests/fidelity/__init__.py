"""Issue 16: a second bot, written in its own voice, and how well the harness judges it."""
