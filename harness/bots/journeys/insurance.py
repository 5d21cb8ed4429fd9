"""Insurance and health claims."""

from __future__ import annotations

from harness.bots.journeys.journey import Journey, Label, journey

# A refused or stopped benefit claim is public services' journey, not an insurance claim's;
# insurance comes before public in the journey order, so its claim patterns step aside.
_NOT_BENEFITS = r"^(?!.*\b(?:benefits?|universal credit|pip|allowance|pension credit)\b)"
_MEDICAL = r"(surgery|operation|procedure|treatment|scan|mri|hospital)"
_SIGN_OFF = r"((?<!un)authori[sz]|approv|sign(ed)? (it )?off|go-?ahead)"
_PRIOR_AUTH = (
    rf"(pre-?|prior )authori[sz]|pre-?approv|{_MEDICAL}.{{0,100}}{_SIGN_OFF}"
    rf"|{_SIGN_OFF}.{{0,100}}{_MEDICAL}"
)
_DELAYED_CLAIM = (
    rf"(?s){_NOT_BENEFITS}.*?(claim.{{0,80}}(pending|waiting|taking (so |too )?long|no update"
    r"|not been paid|hasn'?t been paid|still not|delay|stuck|weeks|months|chasing)"
    r"|(waiting|chasing|still no news|no news|heard nothing).{0,60}claim|delay.{0,40}claim)"
)
_DOCUMENTS = (
    r"(policy|insurance) (documents?|docs|schedule|certificate|wording|paperwork)"
    r"|cop(y|ies) of (my|the) (policy|insurance|cover)|proof of (insurance|cover)"
)

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "claim_appeal", "claim",
        rf"(?s){_NOT_BENEFITS}.*?(claim.{{0,80}}(denied|rejected|refused|declined)"
        r"|(denied|rejected|refused|declined).{0,80}claim)",
        high_stakes=True, verify=("policy_number", "date_of_birth"), needs=("claim_id",),
        team="claims appeals",
    ),
    journey(
        "prior_authorisation", "authori|approv|sign|go-ahead|go ahead", _PRIOR_AUTH,
        high_stakes=True, verify=("policy_number", "date_of_birth"), needs=("surgery_date",),
        team="clinical authorisations",
    ),
    journey(
        "delayed_claim", "claim", _DELAYED_CLAIM,
        high_stakes=True, verify=("policy_number", "date_of_birth"), needs=("claim_id",),
        team="claims",
    ),
    journey(
        "policy_documents", "policy|insurance|cover", _DOCUMENTS,
        high_stakes=False, verify=("policy_number", "date_of_birth"), needs=(),
        action="documents_sent",
        done="I've emailed a copy of your policy documents to you. They should arrive within a "
        "few minutes.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "policy_number": Label("policy number", ("policy",), r"policy (?:number|id)",
                           r"POL-\d{6}\b"),
    "claim_id": Label("claim number", ("claim",), r"claim (?:number|id|reference)",
                      r"CLM-\d{7}\b"),
    "surgery_date": Label("surgery date", ("surgery", "operation", "procedure"),
                          r"surgery date|date of (?:the |my )?(?:surgery|operation)"
                          r"|(?:surgery|operation|procedure) is (?:booked |scheduled |planned )?"
                          r"(?:for|on)"),
}  # fmt: skip
