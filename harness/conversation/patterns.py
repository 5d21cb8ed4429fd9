"""The lexicon's built-in patterns (conversation/statements.py reads claims and offers with them).

Each list is one reading (conversation/lexicon.py compiles them, with a scenario's own, into
one regex per reading); each line is one way bots word it, families under a comment. They
were widened from how public sample bots and assistants word things (Rasa, Bot Framework,
Botpress, Watson); bench/bench_lexicon.py measures them on wording they were not written
from. A resolution claim is read only in a statement: see `statements.Claims`.
"""

from __future__ import annotations

_HUMAN = (
    r"(live |real |human |(customer )?(care|service|support) )?(person|human|agent|advis[eo]r"
    r"|representative|specialist|colleague"
    r"|teammate|team member|member of (our|the) (\w+ )?(team|desk)|(support |service )?team"
    r"|member of staff|staff member|engineer|operator|(customer (care|service|support) )?"
    r"(executive|associate)|nurse|doctor|pharmacist|clinician|case (worker|manager)|(claims? )?"
    r"(handler|adjuster)|underwriter|banker|consultant|advocate|attendant|(sales "
    r"|account )?manager)"
)
_NOT_A_PERSON = (
    r"(?! (our |the |an? )?((\w+ ){0,2}(bot|chatbot|virtual assistant|digital assistant|ai"
    r" assistant)\b|automated|self-service|ivr|menu|keypad|payments? line))"
)
HANDOFF_OFFERS = (
    # passing the customer on: "connecting you to", "transferring you to", "put you through to"
    r"\b(connect(ing)?|transfer(ring)?|put(ting)?|pass(ing)?|hand(ing)?|forward(ing)?|rout(e|ing))"
    r" you (through |over )?"
    r"(to|with)\b" + _NOT_A_PERSON,
    r"\b(connecting|transferring) you (now|shortly|right away|in a moment)\b",
    r"\b(i'?ll|i will|i'?m going to|while i|as i|let me) ((transfer|connect) you\b|forward you (to"
    r"|over)\b)" + _NOT_A_PERSON,
    r"\b(sending|passing|handing) (this|it|your \w+) (over )?to (an?|one of our|our) " + _HUMAN,
    r"\b(i'?ll|i will|let me) bring in\b",
    r"\b(conversation|chat|dialog|dialogue) (has been |was |is )?(assigned|routed|transferred"
    r"|handed( over)?) to\b",
    r"\bbeing (transferred|connected|put through|passed|handed over)\b" + _NOT_A_PERSON,
    r"\byou('ll| will| are|'re)? (now )?be(ing)? (transferred|connected|put through|passed|handed"
    r" over)\b" + _NOT_A_PERSON,
    # asking first: "would you like me to put you through?", "shall I transfer you?"
    r"\b(shall|should|can|could|may) i (connect|transfer) you\b(?! to (the|your) )",
    r"\b(like|want) me to (connect|transfer|pass) you\b(?! to (the|your) )",
    r"\bput(ting)? you through\b",
    r"\bhand(ing)? (you|this|your case) over\b",
    r"\b(pass(ed|ing)?|hand(ed|ing)?|forward(ed|ing)?|transfer(red|ring)?|rout(ed|ing)) (your|this"
    r"|the)"
    r" (conversation|chat|call) (over )?to\b",
    # a person joining: "an agent will be with you shortly", "bring in a member of the team",
    # "our support team will join this conversation", "Jordan from sales has joined the chat"
    r"\b(an?|the|our|one of our)( \w+){0,2} " + _HUMAN + r"s?\b[^.?!]{0,40}? (will|'ll|is going"
    r" to) (be with (you|u)|be right with you|join|jump in|pick (this|it) up (here|now)"
    r"|reply( to you)?"
    r"( right)? (here|in this chat)|(answer|write to) you (right )?here|take your (call|chat)"
    r"|take over"
    r" (this|the) chat)",
    r"\bwait(ing)? (for|until|while) (an?|the|one of our)( \w+)? " + _HUMAN,
    r"\bhas accepted (your|the) (chat|conversation)\b|\b(is )?taking over (the|this|your) (chat"
    r"|conversation)\b",
    r"\b(you'?re|you are) (now )?connected (to|with) (an?|one of our|our) " + _HUMAN,
    r"\b(you|you'?ve|you have) (now )?been connected (to|with)\b" + _NOT_A_PERSON,
    r"\b(directing|routing|escalating|sending) you to (the first available|an available|the next"
    r" available|an?) " + _HUMAN + r"|\bescalating (this |it )?to (an?|the) (live|human) " + _HUMAN,
    r"\bescalated (this |it )?to (an?|the) (live |human )" + _HUMAN,
    r"\b(locate|find|finding|locating) (an? |the next )?available " + _HUMAN,
    r"\b(position|place) in (the )?queue\b|\bpick up your chat\b",
    r"\b(asked|ask|asking) (an?|the|one of our|our)\b[^.?!]{0,30}? to join (this|the) chat\b",
    r"\b(you'?re|you are) now (chatting|talking|speaking) (with|to)\b(?! (an?|our|the) (\w+ )?(bot"
    r"|chatbot|virtual|digital|ai|automated|assistant))",
    r"\b(forward|transfer|connect|talk|speak|chat)( me)? (to|with) (an? |the )?(agent|operator"
    r"|human|person|advis[eo]r|representative)\b",
    r"\bask for (a|an) (person|human|agent|advis[eo]r|representative)\b",
    r"\b(type|say|send)\W{1,3}\w+( \w+)?\W{1,3}(at any time |anytime )?to (reach|talk to|speak to"
    r"|chat"
    r" with) (a|an|our|one of our)? ?(\w+ )?(person|human|agent|advis[eo]r|team|someone|advocate"
    r"|operator|representative)\b",
    r"\badded (you )?to the queue\b",
    r"\b(will|'ll) (join|be joining) (this|the|our|your) (thread|channel|room)\b",
    r"\b(will|'ll) (reply|respond) (right )?here\b",
    r"\bwant (me|us) to ((call|phone|ring) you|give you a (call|ring))\b"
    r"|\b(put in|made|placed|booked|scheduled|arranged"
    r"|requested) a call ?back\b",
    # someone named or pointed to, coming in: "he'll join this conversation", "Chloe from
    # Customer Success is now chatting with you", "who'll pick it up in this chat"
    r"\b(will|'ll) (join|be joining) (this|the|our|your) (chat|conversation)\b",
    r"\b(he|she|they)('ll| will) (be with you|message you here|reply here)\b",
    r"\bis (now )?(chatting|talking|speaking) (with|to) you\b",
    r"\bpick (this|it) up (here|in this chat|right here|now)\b|\bis picking (this|it) up\b",
    r"\b(has )?joined (the|this|our) (chat|conversation|channel|engagement|room)\b",
    r"\b(is|are) (now )?joining (the|this|our) (chat|conversation)\b|\bjoining in a (second|moment"
    r"|minute)\b",
    r"\b(get(ting)?|bring(ing)?)( you)?( in| to| over to| through to)? (someone|somebody|an?"
    r"|one of our|the (right|best|next available))\b[^.?!]{0,30}?\b" + _HUMAN,
    r"\bget(ting)? (you )?(to )?(someone|somebody) (to help|who can help|to assist|to look)",
    r"\b(find(ing)?|look(ing)? for|see if)( you)? (an?|the next|someone|somebody|one of our)\b"
    r"[^.?!]{0,25}?\b(" + _HUMAN + r"|available)",
    # a person calling the customer back, on offer: "one of our advisors can call you back"
    r"\b(an?|one of our)( \w+){0,2} " + _HUMAN + r"s? (can|could) (call|phone|ring) you\b",
    r"\b(would you like|do you want|shall i (have|get|ask|arrange for))\b[^.?!]{0,30}? to (call"
    r"|phone|ring) you\b",
    r"\b(book|schedule|arrange|request)( you)? a (\w+ )?(call ?back|call-back|call with)\b"
    r"|\bcall ?back from (an?|one of|our)\b",
    r"\barranged for (an?|one of our|someone|somebody)\b[^.?!]{0,30}? to (call|phone|ring|contact)"
    r" you\b",
    r"\b(press|dial) \d\b[^.?!]{0,40}?\b(call you back|call ?back|representative|agent|advis[eo]r)",
    r"\b(?=[\w-]+s? (are|is) available\b)" + _HUMAN + r"s? (are|is) available\b[^.?!]{0,40}?\b(if"
    r" you('d| would) like|just ask"
    r"|on request)",
    # a queue for a person: "you're in the queue", "you are number 3 in line"
    r"\b(you'?re|you are) (now )?(in|next in|(caller |customer )?number \d+ in|\d+(st|nd|rd|th) in"
    r"|#\d+ in)"
    r" (the )?(queue|line)\b",
    r"\b(wait|stay|remain|hold) in (the |a )?(queue|line)\b",
    r"\b(hang on|hold on|hold tight)\b[^.?!]{0,20}\b(until|while) (an?|the|one of our)( \w+)? "
    + _HUMAN,
    r"\bcalling (an?|the) (human|live|real) \w+",
    r"\b(waiting list|queue) position\b|\bposition \d+ (in|on) (the )?(queue|line|waiting list)\b"
    r"|\bon (the |a )?waiting list\b|\b(\w+|\d+) (people|persons?|customers?"
    r"|callers?) ahead of you\b",
    # the offer: "would you like to speak to a live agent?", "type 'agent' to reach us"
    r"\b(speak|talk|chat) (to|with) ((a|an|one of our|our|the|someone from (our|the)) "
    + _HUMAN
    + r"|(someone|somebody|a person)\b)",
    r"\b(type|say|reply|send|press)\W{1,3}(agent|human|person|representative|operator|advis[eo]r"
    r"|live chat)\b",
)
_NOBODY = (
    r"(live |human |chat )?(agents?|humans?|advis[eo]rs?|representatives?|team members?|staff"
    r"|operators?|colleagues?|consultants?|reps?|specialists?|experts?|pharmacists?|advocates?"
    r"|executives?|attendants?)"
)
HANDOFF_REFUSALS = (
    # the bot cannot pass the customer on
    r"\b(can'?t|cannot|unable to|not able to) (connect|transfer|put you through|pass you"
    r"|hand you( over)?|bring (in )?(an?|someone|somebody)|get you (through )?to)",
    # nobody there: "no agents are available", "our human agents are offline"
    r"\bno (one|people|" + _NOBODY + r")('s| is| are| was| were)? (available|online)\b",
    r"\b(nobody|no one|no-one) (can|will be able to) (pick up|take|answer|reply to|join)\b"
    r"|\b(we'?re"
    r"|we are) (all |really )?busy (at the moment|right now|now)\b",
    r"\b(nobody|no-one)( is| was|'s)? available\b|\bno (online|available|live) " + _NOBODY,
    r"\bno " + _NOBODY + r" (connected|logged in)\b|\bno (human|one|person|agent)s? (is |are )?"
    r"(monitoring|reading|watching)\b|\bno (operator|agent|advis[eo]r|one)s? (has|have) (accepted"
    r"|joined|picked up)\b",
    r"\b(we'?re|we are) (currently )?(away|out of (the )?office)\b|\bwill be back (online"
    r"|tomorrow)\b"
    r"|\boutside (of )?(our |those |these )?((business|office|opening|working|support) )?hours\b",
    r"\b(have|has) (all )?(gone|logged off|signed off) (home|offline|for the day)\b",
    r"\b(are|is) (all |currently |now )*(assisting|helping|serving|with) other customers\b",
    # closed: "we're offline right now", "live chat is closed at the moment"
    r"\b(we'?re|we are|((our|the) )?(offices?|contact cent(er|re)|call cent(er|re)|lines?|live chat"
    r"|chat|support( team)?|helpdesk|help desk|service desk|desk|reception|surgery|branch)( \w+)?"
    r" (is|are)) (currently |now |right now )?(closed|offline|not online)\b",
    r"\b(chat|live chat|lines?)( \w+)? (is|are) (currently |now )?(busy|unavailable"
    r"|not available)\b",
    r"\b"
    + _NOBODY
    + r" (are|is) (only available|available only)\b|\b(human|live|agent|person)\b[\w ]{0,25}? (is"
    r"|are) only available\b",
    r"\b(can'?t|cannot) be reached (via|on|through|in|over) (this|the) (chat|channel)\b",
    r"\b(isn'?t|is not|aren'?t|are not|not) monitored\b",
    r"\b(reach out|contact us|come back|try again) (during|within) (these|our|business|office"
    r"|opening|working) hours\b",
    r"\b(there'?s|there is) (nobody|no one|no-one)\b",
    r"\b" + _NOBODY + r" (are|is) (all |currently |now )*(not available|unavailable|busy"
    r"|offline|away|out of (the )?office)\b",
    r"\b" + _NOBODY + r" (are|is)(n't| not)( \w+)? available\b",
    r"\bteam (is|are) (all |currently |now )*(not available|unavailable|offline|closed|away)\b"
    r"|\bteam (is|are)(n't| not) (currently )?available\b",
    r"\b(everyone|everybody|all of us) (on|in) our (\w+ )?team (is|are) (busy|away|offline"
    r"|unavailable)\b|\bqueue is (currently |now )?full\b",
    r"\b(aren'?t|are not|isn'?t|is not|not) (read|seen|answered) by (our |a )?(\w+ )?(staff|team"
    r"|humans?|people|agents?)\b",
    r"\b(nobody|no one|no-one|none)\b[\w ]{0,30}? (is|are) (connected|online|available|around)\b",
    r"\b" + _NOBODY + r"\b[\w ]{0,20}? (can'?t|cannot|don'?t|do not|doesn'?t|does not|are unable to"
    r"|is unable to) (take|join|do|answer|be reached by|reply to|respond to) (live )?(chats?|texts"
    r"|messages)\b"
    r"|\b(can'?t|cannot) (take|accept) (any )?more chats\b",
    r"\b(human|live|agent|person)( \w+)? (support|chat|help) (is|are) (currently |now )?"
    r"unavailable\b",
    # the way to a person is shut: "agent transfer is not supported on this channel", "live
    # chat isn't available outside business hours"
    r"\b(agent|live|human|person|escalation|transfer|handoff|hand-off)\b[\w ]{0,35}? (is|are)"
    r"( currently)? ?(not|n't) (supported|available|possible|offered)\b",
)
_HANDOFF_VERB = r"(transfer|connect|put|pass|hand|bring)"
FALLBACKS = (
    # not understanding: "I didn't catch that", "I'm having trouble understanding"
    r"\b(didn'?t|did not|don'?t|do not|couldn'?t|could not) (quite )?(understand|catch|get|follow)"
    r"\b|\b(didn'?t|did not|couldn'?t|could not) recogni[sz]e (that|this|what you|your (message"
    r"|reply|answer|request))\b(?! as\b)",
    r"\bnot sure (what you mean|i (understand|understood|follow(ed)?|got (that|it)))",
    r"\b(missed|didn'?t hear|did not hear) what you said\b",
    r"\bclarify what you mean\b|\bwhat do you mean by\b",
    r"\b(i'?m|i am) (not|having trouble) (understanding|following)\b",
    r"\bnot something i (understand|know)\b",
    # asking for the message again: "could you rephrase?", "try wording it differently"
    r"\b(could|can) you (please )?(rephrase|reword|repeat|say that again|put it another way)",
    r"\b(say (that|it) (again|another way|one more time)|(wording|asking|saying) it (differently"
    r"|another way)|with different words)\b",
    # a bare re-prompt: "Sorry, what was that?", "One more time?", "Come again?"
    r"(^|[.!]\s)\W*(sorry,? |pardon,? )?(what was that|one more time|come again)\?",
    # a menu's re-prompt: "please reply with a number from 1 to 4"
    r"\b(reply|respond|answer|choose|select|pick|enter|type)( with)? a valid (option|choice|number"
    r"|selection)\b",
    # out of its depth: "I can only help with banking", "I don't know how to help with that"
    r"\b(can'?t|cannot|unable to|not able to) (help|assist)( you)?( with (that|this)| at (this"
    r"|the) (time|moment)| right now)\b",
    r"\b(not sure|don'?t know|do not know) how to (help|respond|answer|reply)\b|\bi only understand"
    r"\b|\bbeyond me\b|\bnot sure about (that|this)( one)?\b|\bnot trained (on|for|to)\b"
    r"|\bnot something i can (help|assist) with\b|\b(couldn'?t|could not|can'?t) match (that|this"
    r"|your)\b|\b(rephrase|reword|reformulate)\b|\btry (different|other) (words|keywords|wording)\b"
    r"|\bover my head\b",
    r"\btry (rephrasing|rewording)\b|\b(ask|asking|say|saying|phrase|phrasing|put|putting)"
    r" (it |that |this )?(in )?a different way\b",
    r"\bnot (a valid|an?) (option|choice|selection|entry|input)\b|\b(invalid|not a valid) (option"
    r"|choice|selection|entry|input)\b",
    r"\bcan'?t be (made|done|discussed|handled|processed) (in|over|via|through|on) (this )?(chat"
    r"|channel)\b|\b(not able to|unable to|can'?t|cannot) (process|handle|accept|read|open)"
    r" (multimedia|media|voice|image|audio|video|attachment|file)s?\b|\b(can'?t|cannot|not able to"
    r"|unable to) (process|handle|deal with|do) \w+ requests\b",
    r"\b(can'?t|cannot|unable to|not able to) (give|provide|offer) (\w+ )?(advice|recommendations)"
    r"\b|\b(can'?t|cannot|couldn'?t|could not|unable to|not able to) answer (that|this|your"
    r" question)\b",
    r"\b(couldn'?t|could not|can'?t|cannot|didn'?t|did not) find (any |an? )?(article|answer|result"
    r"|match|docs|anything in our)",
    r"\bcan only (help|assist) (with|in)\b|\bcan only answer questions (about|on)\b",
    r"\b(couldn'?t|could not|can'?t|cannot|didn'?t|did not|wasn'?t able to|was not able to"
    r"|unable to)"
    r" find (a good|an|any) answer\b|\b(didn'?t|did not|doesn'?t|does not) match anything\b"
    r"|\bnetwork (issue|error|problem)s?\b|\b(unable to|couldn'?t|could not|can'?t) retrieve\b"
    r"|\bno entend[ií]\b|\bgot confused\b|\b(that|this) option (isn'?t|is not) (available|valid)\b"
    r"|\b(the |that |this )?service is (temporarily |currently )?(not available|unavailable|down)"
    r" (at the moment|right now|now)\b|\b(don'?t"
    r"|do not) know the answer\b|\bproblem with the service\b|\btemporary error\b|\bnot one of the"
    r" options\b",
    r"^\W*error\W*:|\b(couldn'?t|could not|can'?t|cannot|unable to) load\b|\bconfused me\b"
    r"|\bunknown command\b|\b(doesn'?t|does not) (look|seem) like something i"
    r" can (do|help with)\b|\bi (don'?t|do not) know (that|this) one\b",
    r"\b(don'?t|do not) have an answer\b|\b(couldn'?t|could not|can'?t) find an answer\b",
    r"\b(don'?t|do not) have (the |any |enough )?information (to answer|on that|about that)",
    r"\b(wasn'?t|was not|couldn'?t|could not) (able to )?find (any )?(information|anything)"
    r" (about|on) (that|this)\b|\bin (our|my) knowledge base\b",
    r"\b(i|we)( can'?t| cannot| am unable to|'m unable to| am not able to|'m not able to"
    r"|'re unable to| are unable to|'re not able to| are not able to) (help|assist)( you)? with\b",
    r"\b(can'?t|cannot|unable to|not able to) (?!" + _HANDOFF_VERB + r")\w+\b[^.?!]{0,60}?,? but i"
    r" can (only )?(help|assist)( you)? with\b",
    r"\b(can'?t|cannot|unable to|not able to) (?!" + _HANDOFF_VERB + r")\w+\b[^.?!,;]{0,40}? (here"
    r"|in this chat|through this chat|over chat|on this channel|automatically|online|in chat)\b",
    r"\b(can'?t|cannot|unable to|not able to) (answer|help with|deal with) questions (about|on)\b",
    # the bot broke: "something went wrong on my end", "an unexpected error has occurred"
    r"\bsomething went wrong( (on|at) (my|our) (end|side))?(?! (with|for|in|on|at|during))\b",
    r"\b(i|we)('ve| have)? (ran|run) into (an? )?(\w+ )?(error|problem|issue|glitch)",
    r"\b(i'?m|i am|we'?re|we are) (having|encountering|experiencing) (a little |a bit of "
    r"|a spot of |some )?"
    r"(technical )?(trouble|difficult(y|ies)|issues|problems)\b",
    r"\bsystem (issue|error|problem|outage)s?\b|\b(couldn'?t|could not) be delivered\b",
    r"\bconnection (lost|failed|error)\b|\btrying to reconnect\b|\bunder (scheduled "
    r"|planned )?maintenance\b|\b(system"
    r"|server|request|connection) (has )?timed out\b",
    r"\b(an? )?(unexpected |unrecoverable |technical |internal |system )?error (has )?(occurred"
    r"|happened)\b",
    r"\bthere (was|has been) (a|an) (problem|error|issue|glitch) (processing|on (my|our)|with"
    r" (this|your) request|joining|connecting|loading|sending|saving)\b",
    r"\b(systems?|services?)( is| are|'s) (temporarily |currently )?(unavailable|down|not"
    r" responding)\b|\b(systems?|services?) (aren'?t|isn'?t) (responding|working)\b",
    r"\b(couldn'?t|could not|can'?t|cannot|unable to|not able to) (reach|connect to|load|retrieve"
    r"|access)"
    r" (the|our) (\w+ )?(system|server|service|database)\b",
)
_DONE = (
    r"(resolved|sorted( out)?|fixed|taken care of|dealt with|actioned|processed|completed|done"
    r"|updated|changed|reset|cancell?ed|canceled|refunded|credited|reversed|waived|approved"
    r"|submitted|placed|scheduled|booked|confirmed|unlocked|restored|switched|removed|added"
    r"|frozen|blocked|closed|activated)"
)
# Any past participle: a regular one or an irregular one bots use for their acts, but not
# the steps of a conversation (finding, noting, verifying), nor passing the customer on,
# trying or asking, nor what befell the customer (charged, declined): those do no one's job.
_STEPS = (
    r"(found|got|gotten|noted|located|received|checked|looked|pulled|reviewed|verified"
    r"|identified|authenticated|seen|read|understood|noticed|explained|mentioned|listed"
    r"|recorded|asked|requested|tried|attempted|started|initiated|reached|shared|passed"
    r"|forwarded|escalated|transferred|referred|handed|connected|assigned|flagged|detected"
    r"|declined|rejected|denied|refused|failed|charged|billed|delayed|expired|suspended"
    r"|compromised|affected|used|needed|wanted|been|disconnected|logged|timed|debited|deducted"
    r"|reported|routed|notified|informed|alerted|built|designed|trained|programmed|delivered"
    r"|shipped|dispatched|paged|pinged|generated|charged)\b"
)
_PARTICIPLE = (
    rf"(?!{_STEPS})(([a-z]+-)?[a-z]{{2,}}ed|(re-?)?(made|sent|set|paid|put|done|given|taken|written"
    r"|frozen|cut|shut|built|bought|sold|withdrawn))\b"
)
RESOLUTION_CLAIMS = (
    # done to the customer's thing: "has been cancelled", "was added successfully"
    r"\b(has|have|'s|'ve) (now |just |also |successfully )*been (now |successfully )?" + _DONE,
    r"\b(has|have|'s|'ve) (now |just |also |successfully )*been (now |just |successfully )?"
    + _PARTICIPLE,
    r"\b(was|were) (just |successfully )?(added|removed|changed|updated|reset|unlocked|refunded"
    r"|restored|placed|scheduled|booked|completed|approved|applied|credited|paused|resumed"
    r"|renewed|activated|waived|reversed|unblocked)\b",
    r"\b(was|were|went through) successful(ly)?\b",
    # done by the bot: "I've gone ahead and cancelled it", "we've fixed the issue"
    r"\b(i|we)('ve| have)? (now |just |also |already )*((gone|went) ahead and )?" + _DONE,
    r"\b(i|we)('ve| have) (now |just |also |already |successfully )*((gone|went) ahead and )?"
    + _PARTICIPLE,
    r"\b(i|we) (went|have gone|'ve gone) ahead and (?!" + _STEPS + r")",
    r"\bi have you (booked|down|scheduled|registered)\b",
    r"\b(received|accepted) and (applied|processed|credited)\b|\b(has|have) (now )?gone through\b",
    # a headline: "Transcript sent to anna@...", "Table for 4 booked 🍝"
    r"^\W*((?!(be|been|being|will|would|can|could|should|may|might|must|to|not|never)\b)"
    r"[\w'’-]+ ){0,3}(increased|decreased|updated|changed|booked|cancell?ed|sent|renewed|reset"
    r"|unlocked|activated|paused|resumed|refunded|approved|confirmed|processed|applied|complete"
    r"|completed|done|saved|removed|added)(?=\s+to\b|\s*[^\w\s,]|\s*$)",
    r"\b(is|are) (now )?(upgraded|downgraded|unfrozen|unblocked|paused|renewed|saved|reactivated)\b"
    r"|\bas (you )?requested\b",
    r"\b(?=[a-z]{2,}ed successfully\b)(?!" + _STEPS + r")[a-z]{2,}ed successfully\b",
    r"\b(is|are) (now )?ready (for (pick-?up|collection)|to (use|collect|go))\b",
    r"\b(is|are) now (on|off|enabled|disabled|paused|turned (on|off))\b",
    r"^\W*((?!(be|been|being|will|would|can|could|should|may|might|must|to|not|never)\b)"
    r"[\w'’-]+ ){1,2}(successful|complete|completed)\b(?! \w+ing\b)|"
    r"^\W*(access|permission|refund|payment|booking|order|transfer)s? (granted|approved|confirmed"
    r"|complete|completed|successful)\b",
    # money moved: "I've transferred £50 to your savings" (passing the customer on is a step)
    r"\b(i|we)('ve| have)? (now |just |also |successfully )*transferred (\W?\d|the (money|funds"
    r"|amount|balance|payment)|your (money|funds|payment|balance))",
    # a state reached: "your transfer is complete", "autopay is now switched on"
    r"\b(is|are) (now )?(complete|completed|confirmed|active|updated|cancell?ed|canceled"
    r"|unlocked|restored|resolved|fixed|switched (on|off)|booked|reserved|arranged|placed"
    r"|ordered|paid|set up)\b",
    r"\b(is|are) now " + _PARTICIPLE,
    # the customer is done: "you're all set", "you're good to go", "you're now unsubscribed"
    r"\b(you'?re|you are) (now |all )*(set|sorted|booked|(un)?subscribed|all done|checked in"
    r"|registered|enrolled|signed up)\b",
    r"\bgood to go\b",
    # a word of completion: "Done!", "All done.", "That's everything sorted"
    r"^\W*(all )?(done|sorted|success)\b(?! \w+ing\b)",
    r"\b(that'?s|it'?s|everything'?s|everything is|that is|all) (all |everything |now )*(sorted"
    r"|done|fixed|taken care of|actioned|set)\b",
)
DISCLOSURES = (
    r"\bbalance (is|of)\b",
    r"\b(account|card) ending( in)? \d",
    r"\baddress (we have )?on file\b",
    r"\brecent transactions\b",
)
_BOT = (
    r"(bot|chat ?bot|ai|virtual (assistant|agent)|digital assistant|automated|artificial"
    r" intelligence)"
)
AI_DISCLOSURES = (
    # what it is: "I'm an automated assistant", "I am just a bot", "I'm Sara, a bot built with"
    r"\b(i'?m|i am) (just )?(an? )?(automated|virtual|digital|ai)\b",
    r"\b(i'?m|i am) (just |only )?(an?|the|your)( [\w'’-]+){0,3} " + _BOT + r"\b",
    r"\b(i'?m|i am) (just |only )?(an?|the|your)( [\w'’-]+){0,3}[\w-]*bot\b",
    r"\b(i'?m|i am) \w+, (an?|the|your)( [\w'’-]+){0,3}[\w-]*bot\b|\((automated|a bot|bot)\)"
    r"|\bthis is an automated (symptom checker|service|system|tool|assistant|chat)\b",
    r"\b(powered|run|handled|answered) by (an? )?(automated|ai\b|artificial intelligence|bots?\b)",
    r"\b(chatting|talking|speaking) (with|to) (the|a|an|our) (chat ?bot|bot|virtual assistant)\b",
    r"\b(i'?m|i am) \w+[^\w,.!?]{0,4}, (an?|the|your)( [\w'’-]+){0,3} " + _BOT + r"\b",
    r"\b(asistente|assistente) virtual\b",
    r"\b(this is|you'?ve reached|you have reached) (an?|the|our) automated (system|service|line"
    r"|assistant)\b",
    r"\b(virtual|digital|ai|automated)( [\w-]+)? (assistant|agent|helper|concierge)\b",
    r"\b(i'?m|i am) (just |only )?an? (computer program|program|machine|robot)\b",
    r"\bthis is an automated (message|reply|response|text)\b",
    # who the customer is talking to: "you're chatting with our AI support bot"
    r"\b(you'?re|you are) (chatting|talking|speaking) (with|to) (an?|our)( [\w-]+){0,2} " + _BOT,
    r"\bas an ai\b|\b(i'?m|i am)\b[^.!?]{0,40}\ban ai\b",
    r"\bnot a (real )?(person|human)\b",
)
