"""kind callback: bots that call the harness back: the desk endpoint and the inbound reply webhook.

Many bots hand a conversation over by calling a contact-centre API, not by saying so in a
reply; others answer asynchronously, by POSTing their reply to a URL they were given. For
them, `kind: callback` is `kind: http` (adapters.http) plus a small server of the
harness's own on 127.0.0.1, started with the first message and stopped by `shutdown()`:

    POST {desk_url}     the bot hands a conversation over: a JSON object naming the
                        conversation (`desk.conversation`, default $.conversation_id), with
                        the handoff's context ($.context) and reason ($.reason). Answer:
                        202 {"ticket": …}; 404 for a conversation that is not open here;
                        400 for a body that is not such an object.
    POST {webhook_url}  the bot's reply to a message, read with the file's `reply` paths;
                        the conversation is named as for the desk. Answer: 202, 404 or 400.

The bot learns both URLs from the `{desk_url}` and `{webhook_url}` placeholders of the
file's url, headers and body templates (or from a fixed `port` it is configured with).

A desk call becomes the `handoff` of a reply, so the checks judge it like any other: one
that arrives while a turn is in flight, or within `desk.wait` seconds after its reply,
belongs to that turn; one that arrives between turns, to the next. The reply's latency
runs to the later of the reply and the desk call, so the handoff is recorded when it came.

With `webhook:`, the message's POST is only acknowledged (any 2xx; a JSON answer is read
for `state`, anything else is ignored) and the turn's reply is every webhook call gathered
until one has `webhook.done`, or the bot is quiet for `webhook.quiet` seconds, or the
timeout ends it; only a turn with no call at all is a fault. Calls that come between turns
are read with the next turn's reply, as late replies. The latency runs to the last call.

Callbacks for the harness's conversations are the bot's to make: its bodies are redacted of
the file's secrets before they are recorded, and read no further than the size limit.

The package: config (the endpoint file's model), server (what the harness serves for the
calls), adapter (the adapter that plays a conversation through both).
"""
