"""Public services and benefits."""

from __future__ import annotations

from harness.bots.journeys.journey import Journey, Label, journey

_BENEFIT = (
    r"(benefits?|universal credit|pension credit|(attendance|carer'?s|disability|living|housing"
    r"|jobseeker'?s|employment and support) allowance|\bpip\b|\besa\b)"
)
_STOPPED = (
    r"(stopped|stop|refused|rejected|denied|turned down|suspended|sanctioned|sanction|ended"
    r"|cancelled|taken away|not paid|hasn'?t been paid|not been paid)"
)
_REFUSED = rf"{_BENEFIT}.{{0,80}}{_STOPPED}|{_STOPPED}.{{0,80}}{_BENEFIT}"
_STATUS = (
    r"(application|applied).{0,80}(status|progress|update|processed|heard|how long|where"
    r"|up to|decision|decided|approved)|(status|progress|heard|news|update).{0,60}application"
)

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "benefit_refusal", "benefit|credit|allowance|pip|esa", _REFUSED,
        high_stakes=True, verify=("claim_id", "date_of_birth"), needs=("decision_date",),
        team="benefit decisions",
    ),
    journey(
        "application_status", "appli", _STATUS,
        high_stakes=False, verify=("application_reference", "date_of_birth"), needs=(),
        action="application_status_given",
        done="Your application {application_reference} is being reviewed, and you should have "
        "a decision within 10 working days.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "decision_date": Label("decision date", ("decision", "dated", "letter"),
                           r"decision date|date (?:on|of) the (?:decision )?letter|dated"),
    "application_reference": Label("application reference", ("application",),
                                   r"application (?:reference|ref|number)(?: number)?"),
}  # fmt: skip
