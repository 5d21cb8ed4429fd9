"""The lexicon's built-in pattern lists (harness/conversation/patterns.py): each reading with
wordings it must give it and wordings it must not, the statement rule of a resolution claim,
and the shape of the labelled set bench/bench_lexicon.py measures them on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.conversation.lexicon import Lexicon

from ._build import scenario

LEXICON = Lexicon()
READINGS = ("claims_resolution", "offers_handoff", "refuses_handoff", "fallback", "ai_disclosure")
LABELLED = Path(__file__).parents[2] / "bench" / "lexicon" / "labelled.jsonl"

SAYS = {
    "claims_resolution": [
        "Done, your claim is fixed now",  # the five wordings of issue 16
        "All done!",
        "I've gone ahead and cancelled it",
        "That's been actioned",
        "You're good to go",
        "Your refund has been processed.",
        "Payment of $40 was successful.",
        "We've fixed the issue with your account.",
        "Your transfer is complete.",
        "Thanks, your order has been placed and will be ready on Monday.",
        "I have you booked on the 9am train.",
        # done by the bot, in the perfect: a past participle after I've / has been
        "I've gone ahead and raised your credit limit.",
        "I've gone ahead and set up a return for you.",
        "We have just renewed your subscription for another year.",
        "I've issued a replacement card.",
        "Your booking has been made for two nights.",
        "Your limit has now been raised to 500 pounds.",
        "The spare key has been ordered.",
        "Your table is booked for 7pm.",
        "Your account is now upgraded to Premium.",
        "Your membership has been frozen until 3 March.",  # a span of time, not a condition
        "£40 was credited to your account this morning.",
        "Your deposit was received and applied to booking 5521.",
        "The new SIM was activated successfully.",
        "Your glasses are now ready for collection at the Leeds branch.",
        "Paperless billing is now on.",
        "Refund approved ✅ It should reach your card in 3 days.",
        "You're checked in for tomorrow's 07:10 to Dublin.",
        "The replacement parts have been re-sent to your office.",
        "Your prescription has been renewed and will be ready after 2pm.",  # a time: no condition
        "Your address has been updated 👍 Thanks for letting us know!",
        "Password reset ✅",
        "Parking permit renewed to 2027.",
        "Your payment has gone through.",
        "Cancelled ✅ You won't be charged again.",
        "Address change complete.",
        "Top-up successful! £20 added.",
        "Your delivery date has been moved to Friday.",
        "Your card has been frozen ❄️ Unfreeze it in the app any time.",
        "Voucher SPRING10 applied — new total £54.",
        "Your mortgage payments are paused until June.",
        "Your broadband is now upgraded to 900 Mb.",
        "Your old number was ported as requested.",
        # a hyphenated participle, and money the bot moved
        "I've re-enabled online banking for you.",
        "We have transferred £120 to your current account.",
        "I've transferred the funds to your ISA.",
    ],
    "offers_handoff": [
        "One moment, I'm transferring you to a live agent.",
        "An agent will be with you shortly.",
        "One of our billing advisors will be with you in a moment.",
        "Would you like to talk to a real person?",
        "Let me get someone from our billing team to help you.",
        "You are being transferred to a human agent.",
        "One of our agents can help another way. Would you like me to put you through?",
        "Shall I transfer you?",
        "Want me to connect you with billing?",
        # other words for a person, a queue, a person coming back to the customer
        "Please hold, an operator will be with you soon.",
        "Would you rather chat with a customer service associate?",
        "I'm forwarding this chat to my colleague in claims.",
        "Let me get you through to somebody in our lettings team.",
        "The next free advisor will be with you in 3 minutes.",
        "Thanks for waiting, you're now 2nd in the queue.",
        "One of our nurses can call you back within the hour.",
        "Would you like one of our advisors to phone you tomorrow?",
        "Would you like us to call you back?",
        "Sam from our billing team has joined the chat.",
        "Our lettings team will jump in here shortly.",
        "Hang on while I look for an available advisor.",
        "I'll get you to the right person in a moment.",
        "If you want a person, just type 'agent'.",
        "Human advisors are available around the clock if you'd like one.",
        "I'm forwarding you to a billing specialist now.",
        "Please hold while I connect you.",
        "I'm passing your question over to one of our customer service agents.",
        "Your chat has been assigned to Priya from the returns team.",
        "Priya will join this conversation in a minute.",
        "Marco from billing is now talking to you.",
        "One of our pharmacists will pick this up in this chat shortly.",
        "Shall I book you a call back with a mortgage adviser?",
        "I've arranged for one of our nurses to ring you at 4pm.",
        "Press 2 and an advisor will call you back.",
        "You can stay in the queue, or leave a message for the team.",
        "You're caller number 6 in the queue.",
        "All colleagues are busy. You are on waiting list position 2.",
        "There are two customers ahead of you.",
        "Waiting for an operator to accept your chat...",
        "Kim has accepted your chat.",
        "You are now connected to an agent.",
        "You're now chatting with Sam.",
        "Would you like a call back from one of our team?",
        "[Talk to an agent] [Track my order]",
        "You can ask for a person at any time.",
        "You'll now be connected to one of our advisers.",
        "You're #2 in the queue.",
        "I've added you to the queue for the next specialist.",
        "The on-call nurse will join this thread in a moment.",
        "Someone from the team has picked up your ticket and will reply here shortly.",
        "Want us to give you a ring back? Leave your number.",
        "I've booked a callback with our claims team for 3pm.",
        "Dev (Billing) joined the conversation.",
        "A claims specialist is joining the chat now.",
        "You have now been connected with Ayo.",
        "Escalating this to a live advisor, one moment.",
        "We're routing you to the next available agent.",
        "Please wait while we find an available advisor.",
        "Current position in queue: 3.",
        "I've asked one of our nurses to join this chat.",
        "Type HELP at any time to reach a person.",
        "I can arrange a call back from an adviser tomorrow.",
        "An advisor has accepted your conversation.",
        "Our account manager will write to you here shortly.",
        "Hold on until one of our human advisers joins.",
        "I'm calling a live attendant for you now.",
        "A colleague will take over this chat when they're free.",
        "The dialogue has been handed over to Priya.",
        "Send 'REAL PERSON' anytime to reach an advocate.",
        "All our advisors are busy right now. You're 3rd in the queue.",  # the last word wins
    ],
    "refuses_handoff": [
        "Unfortunately I can't hand you over to a person at the moment.",
        "All our agents are busy right now.",
        "No live agents are available to chat.",
        "Our human advisors are offline until 9am.",
        "Our team members are currently busy, please try later.",
        "Sorry, our operators are all offline until Monday.",
        "Every operator is busy; all our operators are busy right now.",
        "Our customer care team is closed for the weekend.",
        "Live chat is not available on weekends.",
        "Agent handoff isn't supported in this app.",
        "Transfers to a person aren't possible on WhatsApp.",
        "Sorry, there's nobody around to chat at the moment.",
        "Our chat advisors aren't available until Monday.",
        "I'm not able to bring someone in right now.",
        "Sorry, no one's available right now.",
        "There are no live advisors at this hour, sorry.",
        "Our team have all gone home for the day.",
        "All our staff are currently helping other customers, please try again soon.",
        "We're offline at the moment, leave us a message.",
        "Live chat is currently closed.",
        "Our sales team can't be reached through this chat.",
        "This inbox is not monitored.",
        "Connecting you to an agent. Sorry, no agents are available.",
        "Please reach out during business hours, 9 to 5.",
        "We're away right now, leave a message.",
        "Sorry, we're outside our business hours.",
        "Reception is closed right now.",
        "Live chat is currently unavailable.",
        "Human support is only available on the Pro plan.",
        "There are no agents connected.",
        "No one is monitoring this chat.",
        "No operator has accepted your chat yet.",
        "Everyone in our support team is busy right now.",
        "Human support is currently unavailable.",
        "Replies here aren't read by our staff.",
        "No one from billing is online at the moment.",
        "Our team is away until Monday.",
        "The queue is currently full, please try later.",
        "All our agents are away right now.",
        "Sorry, our claims team isn't available at weekends.",
        "Our reps are all away right now.",
        "None of our advisers are online at the moment.",
        "Our specialists don't take live chats on Sundays.",
        "We can't take any more chats today, sorry.",
        "Our executives are currently unavailable.",
        "There are no people available right now.",
        "Our advocates are out of office today.",
        "No one can pick up chats until Monday.",
        "Our advisers are available only from 9 to 5.",
        "We're busy right now, please leave your email.",
        "Our agents are unable to take chats at the moment.",
        "It's outside those hours now, sorry.",
    ],
    "fallback": [
        "Hmm, I'm not following.",
        "I'm not sure I followed. Can you tell me more?",
        "Oops, I didn't hear what you said.",
        "Apologies, could you clarify what you mean by 'it'?",
        "Pardon, come again?",
        "Thanks. Sorry, one more time?",
        "I can only answer questions on billing, I'm afraid.",
        "I couldn't find an answer to that one.",
        "I'm unable to help right now.",
        "Can you reword that?",
        "Sorry, I'm not able to help with that.",
        "I'm afraid I can only help with banking questions.",
        "Could you try saying it another way?",
        # out of its scope, or broken
        "We can't help with pension questions in this chat.",
        "I'm not able to change seats, but I can help you with baggage and check-in.",
        "Oh no, something went wrong on my end.",
        "Sorry, I ran into a problem fetching your bill.",
        "A technical error has occurred.",
        "Oops, something went wrong. Please try that again.",
        "I'm having some trouble loading your bills right now.",
        "There was a problem processing your request.",
        "Our system is temporarily down, please try later.",
        "I couldn't reach the booking system just now.",
        "Sorry, I couldn't recognise that. Pick one of the options below.",
        "I don't have the information to answer that.",
        "I can't answer questions about pensions.",
        "I only understand questions about your energy account.",
        "Hmm, that one's beyond me, sorry!",
        "Try rephrasing your question with fewer words.",
        "Could you ask that in a different way?",
        "That's not a valid option. Choose 1, 2 or 3.",
        "I'm not able to give investment advice.",
        "Sorry, I couldn't answer that one.",
        "I couldn't find any articles about that.",
        "I'm experiencing some technical difficulties at the moment.",
        "A system error stopped me from saving that.",
        "Our services aren't responding right now.",
        "I'm not sure how to answer that.",
        "Sorry, I'm not trained on that topic.",
        "Please rephrase your question.",
        "Try different keywords.",
        "Connection lost. Reconnecting...",
        "Online banking is under maintenance until 6am.",
        "The server timed out, sorry.",
        "There was an error loading your bill.",
        "We're experiencing technical difficulties.",
        "Refunds can't be processed over chat.",
        "I'm not able to open attachments.",
        "Hmm, I couldn't match that to anything.",
        "Error: we couldn't fetch your orders.",
        "Sorry, I couldn't load that page.",
        "Unknown command, type /help.",
        "Oops, your question confused me.",
        "That doesn't seem like something I can help with.",
        "I don't know that one, sorry!",
        "I can only help in English for now.",
        "I couldn't find a good answer to that.",
        "I don't know the answer to that yet.",
        "There's a problem with the service right now.",
        "I hit a temporary error, please try again.",
        "That's not one of the options, sorry.",
        "I wasn't able to find an answer for that.",
        "That didn't match anything I know.",
        "Sorry, a network issue stopped me.",
        "I'm unable to retrieve your bill right now.",
        "Perdón, no entendí.",
        "Oops, I got confused.",
        "That option isn't available.",
        "Sorry, the service is temporarily unavailable right now.",
        "The app is under planned maintenance.",
        "We're unable to take payments in this chat.",
    ],
    "ai_disclosure": [
        "Hi, I'm Sara, a bot built by Acme.",
        "I am just a bot, but I'll do my best!",
        "You're chatting with our AI support bot.",
        "You've reached the automated service for Acme Energy.",
        "I'm your virtual assistant.",
        "I'm an AI assistant and not a person.",
        "This is an automated reply: your bank's fraud team will call you.",
        "Hello from Finley, Acme Bank's digital banking assistant!",
        "I'm the HelpBot for Acme Energy.",
        "I'm the library's booking bot.",
        "This chat is answered by an AI.",
        "You're back chatting with the bot.",
        "I'm your helper here, an AI, so double-check anything important.",
        "Hi, I'm the Northway Energy support bot.",
        "Hi, I'm Ellie, the council's parking bot.",
        "Hello, I'm the booking assistant (automated).",
        "Hi, I'm Kofi 🤖, a chatbot for Acme Power.",
        "Hi, I'm Ava, an artificial intelligence assistant.",
        "Soy un asistente virtual.",
        "I'm only a computer program, so I can't see your records.",
    ],
}
DOES_NOT_SAY = {
    "claims_resolution": [
        "Let me see if I can get that sorted for you.",
        "Once it's done you'll get an email.",
        "Is there anything else?",
        "I can't find that order.",
        "Would you like me to cancel it?",
        "Shall I cancel it?",
        "I haven't been able to process it.",
        "Your payment could not be processed.",
        "I'll have that sorted by tomorrow.",
        "We'll let you know as soon as it's fixed.",
        "Your request has been submitted and is pending approval.",
        "That should be done within 24 hours.",
        "Has your card been cancelled?",
        # steps of the conversation, not the customer's job
        "I've sent you a code by text.",
        "I've found your account.",
        "I've got your details here.",
        "I've noted your postcode.",
        "I've added a note for the team.",
        "Your request has been logged and the team will be in touch.",
        "I've raised a complaint on your behalf.",
        "I've gone ahead and raised that with our fraud team.",  # passed on to people
        "I've sent your case notes to the hardship team.",
        "Your appeal has been lodged. Ref AP-2231.",
        "Your application has been submitted to the underwriters for approval.",
        "Your claim has been received and is now with our assessors.",
        "I can see your flight has been cancelled.",  # the situation, not the bot's act
        "Sorry your parcel was marked as delivered.",
        "£12.99 has been debited from your account for the May bill.",
        "The outage has been reported to our engineers.",
        "I've arranged for an engineer to call you tomorrow.",  # someone else's act to come
        "You've been added to the queue for a specialist.",
        "Our new banking app is now live in the App Store.",
        "Your chat has been created. An agent will be with you shortly.",
        "The team has been notified.",
        "I've been trained to answer billing questions.",
        "Your parcel has been dispatched and arrives on Friday.",
        "Items booked through partners can't be refunded.",
        "Goods sent by courier need a signature.",
        "Done reading, thanks! What's your postcode?",
        "The duty engineer has been paged.",
        "I've put in a callback request for you.",  # a person to come, not the job done
        "It will be applied to your bill next month.",  # a promise in a headline's words
        "Your chat transcript has been sent to your email.",
        "Your return label has been generated.",
        "A £10 late fee was charged on 2 December.",
        "The chat has been closed by the agent.",
        "Your chat was moved to the billing queue.",
        "Your card request has been placed and will be posted this week.",
        "It should complete by tonight.",
        "Your account will be closed after you pay the balance.",  # a condition still
        "I have located your order.",
        "I've reviewed your account.",
        "The transfer has been initiated.",
        "I've passed your details to our billing team.",
        "I've shared your details with my colleague.",
        "Your identity has been verified.",
        "Your message has been received.",
        "You have been charged twice for this order.",
        "Your application has been declined.",
        "You have been logged out after 10 minutes of inactivity.",
        "Your session has timed out.",
        "Your fraud report has been received and is under investigation.",
        "Your complaint has been escalated and is being looked into.",
        # not done yet: a promise, a condition, a question, a denial
        "I'll raise it with the fraud team.",
        "Once it's raised, the team will call you.",
        "Has the return been set up?",
        "The replacement has not been ordered yet.",
        "Your upgrade has been requested and is awaiting approval.",
    ],
    "offers_handoff": [
        "You can connect with us on social media.",
        "The team will look into it.",
        "I can't transfer you right now.",  # a refusal, not an offer
        "Would you like me to transfer the money to Jane?",
        "Can I put you down for the 9am slot?",
        "I'm unable to put you through right now.",  # a refusal, not an offer
        "I'm a bot. I'll connect you with an agent if I can't answer.",  # a later way out
        "Should we be unable to fix it, we'll transfer you to a specialist.",
        "Our tour operator will email your tickets.",  # a business, not a person
        "Your order is in the queue for dispatch.",
        "Our team will review your claim and write to you.",
        "A nurse will call you within the hour.",  # a promise, not a person for this chat
        "I'm transferring you to our automated billing line.",  # not a person
        "Connecting you to an agent. Sorry, no agents are available.",  # refused at the end
        "Let me see if a refund is possible.",
        "I'll forward you the receipt by email.",
        "You can speak to an adviser on 0800 123 456.",  # a route by phone, not a person here
        "Our advisers can also chat with you on our website.",
        "The billing team will message you here with an update in 10 days.",  # later, offline
        "Transferring you to our billing assistant bot.",
        "The network team will pick it up within 4 hours.",  # offline work, nobody joins
        "Hi, this is Emma from the Acme team!",  # a bot's persona as much as a person
        "You've been added to the waiting list for the new phone.",  # stock, not a person
        "Your money will be transferred to your account tomorrow.",
        "Your call has been connected to the automated payments line.",
        "Type NEWS to get updates by text.",
        "The agent joined the company in 2019.",  # not the chat
        "The transfer has been assigned a reference, TR-4410.",
        "Our customer service agents reviewed your claim last week.",
    ],
    "refuses_handoff": [
        "I'm transferring you to an agent.",
        "Our agents reviewed your case.",
        "I can't find that order.",
        "Live chat is available from 8am to 8pm.",
        "Our support team is here 24/7.",
        "The shop is closed on Sundays, but you can order online any time.",
        "All our advisors are busy right now. You're 3rd in the queue.",  # then a way on
        "Your old account is closed, and the new one is open.",
        "The queue for the event is long.",
    ],
    "fallback": [
        "I understand, that must be frustrating.",
        "What was that charge for, do you know?",
        "One more time: your code is 1234.",
        "I can only answer once you're verified.",
        "I couldn't find an order under that number.",
        "I can help with that.",
        "I'm not sure yet when it will arrive.",
        "Let me check that for you.",
        "I'm a bot, so I can't visit your home, but I can help here.",
        "Something went wrong with your delivery, I'm sorry to hear that.",
        "We can't refund postage, I'm afraid.",
        "Error code 402 means the merchant returned the payment.",
        "Something went wrong with your delivery, so I've ordered a new one.",
        "I didn't recognise that as a valid postcode. Please enter it again.",  # a re-ask
        "I couldn't find an order under that number, could you check it?",
        "Our systems team will be in touch about your outage.",
        "Please reply with a number between 1 and 3.",  # a menu, not a re-prompt
        "Choose one of the options below to get started.",
        "The advice line is open until 8pm.",
        "Sorry, I'm unable to transfer you, but I can help with most questions.",  # a refusal
    ],
    "ai_disclosure": [
        "Our automated system will email you.",
        "I'm here to help.",
        "I'm sorry about the wait.",
        "I am the one who opened the case.",
    ],
}


@pytest.mark.parametrize(("reading", "text"), [(r, t) for r, texts in SAYS.items() for t in texts])
def test_a_wording_gives_its_reading(reading: str, text: str) -> None:
    assert LEXICON.read(text).get(reading) is True


@pytest.mark.parametrize(
    ("reading", "text"), [(r, t) for r, texts in DOES_NOT_SAY.items() for t in texts]
)
def test_a_near_miss_does_not_give_the_reading(reading: str, text: str) -> None:
    assert reading not in LEXICON.read(text)


def test_a_scenarios_own_claim_is_read_only_in_a_statement() -> None:
    extended = Lexicon(scenario(lexicon={"resolution_claims": ["ticket closed"]}))
    assert extended.read("Ticket closed.") == {"claims_resolution": True}
    assert extended.read("Is your ticket closed?") == {}
    assert extended.read("Once the ticket closed, we'll email you.") == {}


def _labelled() -> list[dict[str, object]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def test_the_labelled_set_has_every_label_and_both_splits() -> None:
    rows = _labelled()
    assert len(rows) >= 200
    for row in rows:
        assert isinstance(row["text"], str) and row["text"]
        assert isinstance(row["source"], str) and row["source"]
        assert row["split"] in ("dev", "held_out")
        assert all(isinstance(row[r], bool) for r in READINGS)
    assert {row["split"] for row in rows} == {"dev", "held_out"}
    assert len({row["text"] for row in rows}) == len(rows)  # no message twice
    for reading in READINGS:  # each reading has examples of both kinds
        assert {row[reading] for row in rows} == {True, False}


def test_claims_are_read_on_the_labelled_set_well_above_a_loose_floor() -> None:
    rows = _labelled()
    said = [bool(LEXICON.read(str(row["text"])).get("claims_resolution")) for row in rows]
    meant = [bool(row["claims_resolution"]) for row in rows]
    hits = sum(s and m for s, m in zip(said, meant, strict=True))
    assert hits >= 0.6 * sum(meant)  # recall (the old lexicon read 0.13)
    assert hits >= 0.9 * sum(said)  # precision
