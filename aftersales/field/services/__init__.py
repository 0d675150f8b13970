"""Every write of a visit (R-FLD-2..4). Each service is atomic, attributed and audited,
and leaves a line on the request's timeline.

The order on site: ``visit_check_in`` → ``visit_diagnose`` → (if anything is chargeable)
``quote_create`` → ``quote_accept`` (the customer signs) → work: ``visit_part_use``,
``visit_photos_add`` → ``visit_checks_record`` → ``visit_sign`` → ``payment_record`` (when
the customer pays) → ``visit_check_out``. Work cannot start before the customer accepted
a quote when something is chargeable (``ConsentRequired``), and check-out refuses a form
that misses a required part (``FormIncomplete``), so every closed visit has a complete
service form.

One module per sub-domain, re-exported here: ``visits`` (check-in, check-out), ``diagnosis``, ``quotes``,
``work``, ``payments``; shared checks and the visit lock in ``_common``.
"""

from ._common import ConsentRequired, FormIncomplete, IllegalVisitStep
from .diagnosis import visit_diagnose
from .payments import payment_record
from .quotes import MONEY_MAX, quote_accept, quote_create, quote_decline
from .visits import form_missing, visit_check_in, visit_check_out
from .work import visit_checks_record, visit_part_use, visit_photos_add, visit_sign

__all__ = [
    "ConsentRequired",
    "FormIncomplete",
    "IllegalVisitStep",
    "MONEY_MAX",
    "form_missing",
    "payment_record",
    "quote_accept",
    "quote_create",
    "quote_decline",
    "visit_check_in",
    "visit_check_out",
    "visit_checks_record",
    "visit_diagnose",
    "visit_part_use",
    "visit_photos_add",
    "visit_sign",
]
