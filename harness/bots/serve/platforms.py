"""Reference bots dressed as real bot platforms, for `harness demo-bot serve --protocol P`.

Each factory takes a native bot function and returns an aiohttp application that speaks
one platform's conventions closely enough that the presets in examples/endpoints/ drive
it unchanged. The native request's fields travel in the platform's own places:

    rasa          POST /webhooks/rest/webhook {sender, message, metadata}
                  sender = conversation_id; metadata = {customer_id, channel, contact}.
                  Answer: [{recipient_id, text}, …] and, when there is any, one
                  {recipient_id, custom: {handoff: {reason, context}, actions: [...],
                  end: true}} (Rasa's `custom` payload, as a custom action would send it).
    botframework  Direct Line 3.0: POST /v3/directline/conversations → {conversationId,
                  token}; POST …/conversations/{id}/activities {type: message, from: {id:
                  customer_id}, text, channelData: {channel, contact}} → {id}; GET
                  …/activities?watermark=N → {activities, watermark}. conversation_id is
                  the conversationId. The bot's activities: a `handoff.initiate` event
                  whose value is the context, its messages (the last with inputHint
                  expectingInput and channelData.actions), and endOfConversation at the end.
    dialogflow    Dialogflow CX: POST /v3/projects/P/locations/L/agents/A/sessions/
                  {session}:detectIntent {queryInput: {text: {text}, languageCode},
                  queryParams: {parameters: {customer_id, channel, contact}}};
                  conversation_id is the session. Answer: {queryResult: {responseMessages:
                  [{text: {text: [...]}}, {liveAgentHandoff: {metadata: context}},
                  {payload: {actions}}, {endInteraction: {}}], match: {matchType}}}.

They answer 400 to a request they cannot read and 500 when the bot raises, as servers do.
"""

from __future__ import annotations

import itertools
import uuid
from typing import TYPE_CHECKING, Any

from harness.bots.serve import BotFunction, json_handler

if TYPE_CHECKING:
    from aiohttp import web

BOT_ID = "harness-demo-bot"
MAX_SESSION_ID = 36  # bytes: Dialogflow CX's limit on a session id
_BAD_FIELDS = (KeyError, TypeError)  # a field missing or of the wrong type: HTTP 400


def rasa_app(bot: BotFunction) -> web.Application:
    """Rasa's REST channel: POST {sender, message} to /webhooks/rest/webhook."""
    from aiohttp import web

    async def webhook(body: dict[str, Any], request: web.Request) -> Any:
        meta = body.get("metadata") or {}
        sender = body["sender"]
        native = bot({"conversation_id": sender, "customer_id": meta["customer_id"],
                      "channel": meta["channel"], "contact": meta["contact"],
                      "text": body["message"]})  # fmt: skip
        out: list[dict[str, Any]] = [
            {"recipient_id": sender, "text": m["text"]} for m in native["messages"]
        ]
        custom = _structured(native)
        if custom:
            out.append({"recipient_id": sender, "custom": custom})
        return out

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", json_handler(webhook, bad_fields=_BAD_FIELDS))
    return app


def dialogflow_app(bot: BotFunction) -> web.Application:
    """Dialogflow CX: POST …/sessions/{session}:detectIntent with a text queryInput."""
    from aiohttp import web

    async def detect_intent(body: dict[str, Any], request: web.Request) -> Any:
        session, _, method = request.match_info["session"].rpartition(":")
        if method != "detectIntent":
            raise web.HTTPNotFound(text=f"no method {method!r}")
        if len(session.encode()) > MAX_SESSION_ID:  # as Dialogflow CX itself refuses it
            raise web.HTTPBadRequest(text=f"session id longer than {MAX_SESSION_ID} bytes")
        params = body.get("queryParams", {}).get("parameters", {})
        text = body["queryInput"]["text"]["text"]
        native = bot({"conversation_id": session, "customer_id": params["customer_id"],
                      "channel": params["channel"], "contact": params["contact"],
                      "text": text})  # fmt: skip
        messages: list[dict[str, Any]] = [
            {"text": {"text": [m["text"]]}} for m in native["messages"]
        ]
        if native.get("handoff"):
            messages.append(
                {"liveAgentHandoff": {"metadata": native["handoff"].get("context", {})}}
            )
        if native.get("actions"):
            messages.append({"payload": {"actions": native["actions"]}})
        if native.get("end"):
            messages.append({"endInteraction": {}})
        result = {"text": text, "languageCode": body["queryInput"].get("languageCode", "en"),
                  "responseMessages": messages, "match": {"matchType": "INTENT"}}  # fmt: skip
        return {"responseId": str(uuid.uuid4()), "queryResult": result}

    app = web.Application()
    route = "/v3/projects/{project}/locations/{location}/agents/{agent}/sessions/{session}"
    app.router.add_post(route, json_handler(detect_intent, bad_fields=_BAD_FIELDS))
    return app


def botframework_app(bot: BotFunction) -> web.Application:
    """Direct Line 3.0: start a conversation, post activities, GET them by watermark."""
    from aiohttp import web

    conversations: dict[str, list[dict[str, Any]]] = {}
    ids = itertools.count(1)

    async def start(request: web.Request) -> web.Response:
        conversation_id = f"dl-{next(ids)}-{uuid.uuid4().hex[:8]}"
        conversations[conversation_id] = []
        token = uuid.uuid4().hex
        return web.json_response(
            {"conversationId": conversation_id, "token": token, "expires_in": 1800}, status=201
        )

    def activities_of(request: web.Request) -> tuple[str, list[dict[str, Any]]]:
        conversation_id = request.match_info["id"]
        if conversation_id not in conversations:
            raise web.HTTPNotFound(text=f"no conversation {conversation_id!r}")
        return conversation_id, conversations[conversation_id]

    async def post(body: dict[str, Any], request: web.Request) -> Any:
        conversation_id, activities = activities_of(request)
        if body.get("type") != "message":
            raise web.HTTPBadRequest(text="only message activities are read")
        posted = {**body, "id": f"{conversation_id}|{len(activities):07d}"}
        posted["from"] = {**body["from"], "role": "user"}
        activities.append(posted)
        channel_data = body.get("channelData") or {}
        native = bot({"conversation_id": conversation_id, "customer_id": body["from"]["id"],
                      "channel": channel_data["channel"], "contact": channel_data["contact"],
                      "text": body["text"]})  # fmt: skip
        for activity in _bot_activities(native, posted["id"]):
            activities.append({**activity, "id": f"{conversation_id}|{len(activities):07d}"})
        return {"id": posted["id"]}

    async def get(request: web.Request) -> web.Response:
        _, activities = activities_of(request)
        watermark = request.query.get("watermark") or "-1"
        if not watermark.lstrip("-").isdigit():
            raise web.HTTPBadRequest(text=f"watermark must be a number, got {watermark!r}")
        new = activities[int(watermark) + 1 :]
        return web.json_response({"activities": new, "watermark": str(len(activities) - 1)})

    app = web.Application()
    base = "/v3/directline/conversations"
    app.router.add_post(base, start)
    app.router.add_post(base + "/{id}/activities", json_handler(post, bad_fields=_BAD_FIELDS))
    app.router.add_get(base + "/{id}/activities", get)
    return app


def _bot_activities(native: dict[str, Any], reply_to: str) -> list[dict[str, Any]]:
    """The bot's answer as Bot Framework activities, `from` the bot, replying to the message."""
    bot_from = {"id": BOT_ID, "name": "harness demo bot", "role": "bot"}
    out: list[dict[str, Any]] = []
    if native.get("handoff"):
        context = native["handoff"].get("context", {})
        out.append({"type": "event", "name": "handoff.initiate", "value": context})
    for message in native["messages"]:  # as the Bot Framework SDK sends them by default
        out.append({"type": "message", "text": message["text"], "inputHint": "acceptingInput"})
    last = next((a for a in reversed(out) if a["type"] == "message"), None)
    if last is None:  # no message, but the end of the turn must still be seen
        last = {"type": "typing", "inputHint": "acceptingInput"}
        out.append(last)
    if native.get("actions"):
        last["channelData"] = {"actions": native["actions"]}
    if native.get("end"):
        out.append({"type": "endOfConversation"})
    return [{**a, "from": bot_from, "replyToId": reply_to} for a in out]


def _structured(native: dict[str, Any]) -> dict[str, Any]:
    """What a native answer says beyond its texts: handoff, actions, end."""
    custom: dict[str, Any] = {}
    if native.get("handoff"):
        custom["handoff"] = native["handoff"]
    if native.get("actions"):
        custom["actions"] = native["actions"]
    if native.get("end"):
        custom["end"] = True
    return custom
