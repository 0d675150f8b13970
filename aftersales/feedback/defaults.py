"""The first survey template: its texts are data (an administrator edits a draft copy), stored
in English as written here and shown translated while they keep these words; text an
administrator typed is shown as typed (``core.messages.known_name``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.core.messages import known_name

TEMPLATE_NAME = gettext_noop("Satisfaction survey")

CALL_SCRIPT = gettext_noop(
    "Hello, is this {customer}? This is {agent} from {company} after-sales service. "
    "Our technician {technician} finished your service request {number} ({product}) on {completed}. "
    "May I take two minutes to ask how it went?\n"
    "1. Overall, how satisfied are you with the service, from 1 (very dissatisfied) to 5 (very satisfied)?\n"
    "2. Five short questions, each from 1 to 5: the product, parts and the technician's appearance; "
    "whether we did what we promised; how quickly we helped; the technician's knowledge and courtesy; "
    "whether we understood your situation.\n"
    "3. From 0 to 10, how likely are you to recommend us to friends and family?\n"
    "4. If anything was not right: what was it? Is there anything else you would like to tell us?\n"
    "Thank you for your time. If anything comes up, call us any time."
)

INTRO = gettext_noop("Thank you for choosing us. Please tell us how we did on this service: it takes about one minute.")

# code, label, offered from, up to (overall score), opens a remedy by itself, remedy, complaint category
REASONS = [
    ("late", gettext_noop("Late or slow"), 1, 3, False, "complaint", "delay"),
    ("not_fixed", gettext_noop("Problem not fixed"), 1, 4, True, "return_visit", "quality"),
    ("attitude", gettext_noop("Attitude"), 1, 3, False, "complaint", "attitude"),
    ("price", gettext_noop("Price or charges"), 1, 3, False, "complaint", "billing"),
    ("mess", gettext_noop("Left a mess"), 1, 3, False, "complaint", "attitude"),
    ("punctual", gettext_noop("On time"), 4, 5, False, "complaint", "other"),
    ("professional", gettext_noop("Professional"), 4, 5, False, "complaint", "other"),
    ("friendly", gettext_noop("Friendly"), 4, 5, False, "complaint", "other"),
]

# service type ("" = every type), question, kind, required
QUESTIONS = [
    ("repair", gettext_noop("Is the product working normally now?"), "yes_no", False),
    (
        "installation",
        gettext_noop("Did the technician explain how to use it and clean up afterwards?"),
        "yes_no",
        False,
    ),
    ("maintenance", gettext_noop("Were you told when the next maintenance is due?"), "yes_no", False),
    ("", gettext_noop("Anything we could do better next time?"), "text", False),
]

NAMES = (
    TEMPLATE_NAME,
    CALL_SCRIPT,
    INTRO,
    *(label for _code, label, *_rest in REASONS),
    *(text for _type, text, *_rest in QUESTIONS),
)


def template_text(value: str) -> str:
    """``value`` in the reader's language if it is one of the default texts, else as typed."""
    return known_name(value, NAMES)
