#!/bin/sh
# A bot in plain sh, for `kind: subprocess` (see handoff-bot.yaml): it reads one native
# request per line on stdin and answers each with one native response on stdout. It does
# not look at what the customer says: it hands every conversation to a human at once.
while IFS= read -r request; do
  printf '%s\n' '{"messages": [{"text": "I am an automated assistant. Let me pass you to a colleague."}], "handoff": {"reason": "always", "context": {}}}'
done
