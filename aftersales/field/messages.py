"""The visit's timeline notes and the customer's "your service form" e-mail.
Registered at start-up (``CoreConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, register

from .choices import OldPart, Outcome, PaymentMethod, SignedVia

register("field.checked_in", text=_("%(visit)s: checked in (visit %(n)s)."))
register(
    "field.quote_continued",
    text=_("%(visit)s: continues the accepted quote of %(number)s; %(total)s CNY left to pay."),
)
register("field.diagnosed", text=_("%(visit)s: diagnosis: %(fault)s / %(cause)s. %(solution)s"))
register("field.quote", text=_("%(visit)s: quote: customer pays %(total)s CNY."))
register(
    "field.quote_accepted",
    text=_("%(visit)s: %(name)s accepted the quote (%(total)s CNY) %(via)s."),
    params={"via": Choice(SignedVia)},
)
register(
    "field.part_used",
    text=_("%(visit)s: part used: %(code)s %(name)s × %(qty)s; old part: %(old)s."),
    params={"old": Choice(OldPart)},
)
register("field.checks", text=_("%(visit)s: function test: %(ok)s passed, %(failed)s failed."))
register("field.signed", text=_("%(visit)s: %(name)s signed the service form."))
register(
    "field.paid",
    text=_("%(visit)s: %(amount)s CNY by %(method)s, receipt %(receipt)s."),
    params={"method": Choice(PaymentMethod)},
)
register("field.checked_out", text=_("%(visit)s: checked out: %(outcome)s."), params={"outcome": Choice(Outcome)})

# To the customer (by e-mail).
register(
    "field.customer_form_ready",
    text=_("Thank you. Service request %(number)s is done. Your service form: %(url)s"),
    subject=_("Your service form %(form)s"),
    label=_("Service form ready"),
)
