"""What the returns app writes for people: the rule that decided (R-RET-1), the RMA's timeline, the
notes on the linked service request and the customer's e-mails. Registered at start-up
(``CoreConfig.ready``); stored as key + params, shown in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, register

from .choices import Exclusion, FaultFinding, GoodsCondition, OldUnitFate, Reason, RefundMethod, Resolution, Status

# --- the rules (eligibility.evaluate names one of these) ---------------------------------------------
register(
    "returns.rule.no_reason_7d",
    text=_(
        "Distance sale received on %(received)s, asked on day %(day)s: within the %(limit)s-day no-reason "
        "return (until %(until)s), goods intact: return with refund."
    ),
)
register(
    "returns.rule.fault_7d",
    text=_(
        "Performance fault on day %(day)s after the sale on %(sale)s, within %(limit)s days (until %(until)s): "
        "return, exchange or repair, as the customer chooses."
    ),
)
register(
    "returns.rule.fault_15d",
    text=_(
        "Performance fault on day %(day)s after the sale on %(sale)s, within %(limit)s days (until %(until)s): "
        "exchange or repair, as the customer chooses."
    ),
)
register(
    "returns.rule.repeat_fault",
    text=_(
        "Within the 三包 period (until %(end)s): the same fault was repaired %(repairs)s times (limit "
        "%(limit)s) and failed again: exchange or return."
    ),
)
register(
    "returns.rule.parts_wait",
    text=_("Within the 三包 period (until %(end)s): %(days)s days waiting for parts, more than %(limit)s: exchange."),
)
register(
    "returns.rule.repair_time",
    text=_(
        "Within the 三包 period (until %(end)s): %(days)s days in repair (waiting for parts not counted), "
        "more than %(limit)s: exchange."
    ),
)
register(
    "returns.rule.in_period",
    text=_(
        "Within the 三包 period (warranty until %(warranty_end)s, extended by %(extra)s days in repair to "
        "%(end)s): free repair."
    ),
)
register(
    "returns.rule.out_of_period",
    text=_(
        "Asked on %(asked)s, after the 三包 period ended on %(end)s (extended by %(extra)s days in repair): "
        "not covered."
    ),
)
register("returns.rule.no_fault", text=_("No performance fault was found: not covered by 三包."))
register(
    "returns.rule.no_reason_refused.not_distance",
    text=_("Not a distance sale: the 7-day no-reason return does not apply."),
)
register(
    "returns.rule.no_reason_refused.policy",
    text=_("The return policy for this product offers no no-reason return."),
)
register(
    "returns.rule.no_reason_refused.excluded",
    text=_("Excluded from the no-reason return (消费者权益保护法 Art. 25): %(exclusion)s."),
    params={"exclusion": Choice(Exclusion)},
)
register(
    "returns.rule.no_reason_refused.not_intact",
    text=_("The goods are not intact: the no-reason return does not apply."),
)
register(
    "returns.rule.no_reason_refused.late",
    text=_(
        "Asked on day %(day)s after receiving the goods on %(received)s: the %(limit)s-day no-reason return "
        "ended on %(until)s."
    ),
)

# --- the RMA's timeline -------------------------------------------------------------------------------
register("returns.requested", text=_("Return or exchange requested: %(reason)s."), params={"reason": Choice(Reason)})
register("returns.checked", text=_("Eligibility: %(rule)s"))
register("returns.received", text=_("Returned unit received on %(day)s."))
register(
    "returns.inspected",
    text=_("Inspected: %(finding)s; %(condition)s."),
    params={"finding": Choice(FaultFinding), "condition": Choice(GoodsCondition)},
)
register(
    "returns.decided",
    text=_("Decision: %(resolution)s."),
    params={"resolution": Choice(Resolution)},
)
register(
    "returns.refunded",
    text=_("Refunded %(amount)s CNY (%(method)s, %(reference)s) on %(day)s; old unit: %(fate)s."),
    params={"method": Choice(RefundMethod), "fate": Choice(OldUnitFate)},
)
register(
    "returns.exchanged",
    text=_("Exchanged on %(day)s for unit %(serial)s (warranty until %(warranty_end)s); old unit: %(fate)s."),
    params={"fate": Choice(OldUnitFate)},
)
register(
    "returns.customer_chose",
    text=_("The customer chose: %(remedy)s."),
    params={"remedy": Choice(Resolution)},
    label=_("Customer's choice"),
    icon="bi-hand-index",
)

# --- to staff: a refund due soon or late (R-RET-1: refund within 7 days of receiving the return) ----------
register(
    "returns.refund_at_risk",
    text=_("Refund for return %(number)s is due on %(due)s (%(amount)s CNY): pay it before then."),
    subject=_("Refund %(number)s due soon"),
    label=_("Refund due soon"),
    icon="bi-hourglass-split",
)
register(
    "returns.refund_overdue",
    text=_("Refund for return %(number)s was due on %(due)s and is not paid yet (%(amount)s CNY)."),
    subject=_("Refund %(number)s overdue"),
    label=_("Refund overdue"),
    icon="bi-alarm",
)

# --- the linked service request's timeline -------------------------------------------------------------
register("returns.request_note", text=_("Return/exchange %(number)s: %(status)s."), params={"status": Choice(Status)})

# --- to the customer (e-mail, in the site's language) -------------------------------------------------
register(
    "returns.customer_requested",
    text=_(
        "We have your return/exchange request %(number)s for %(product)s (serial %(serial)s). "
        "Follow it and tell us your choice here: %(url)s"
    ),
    subject=_("Your return/exchange request %(number)s"),
    label=_("Return/exchange requested"),
)
register(
    "returns.customer_decided",
    text=_("Return/exchange %(number)s: %(resolution)s. Details: %(url)s"),
    subject=_("Return/exchange %(number)s: decision"),
    label=_("Return/exchange decision"),
    params={"resolution": Choice(Resolution)},
)
register(
    "returns.customer_refunded",
    text=_("Return %(number)s: we refunded %(amount)s CNY on %(day)s. Details: %(url)s"),
    subject=_("Return %(number)s: refunded"),
    label=_("Refund made"),
)
register(
    "returns.customer_exchanged",
    text=_(
        "Exchange %(number)s: your new unit %(serial)s has a fresh warranty from %(start)s to %(end)s. Details: %(url)s"
    ),
    subject=_("Exchange %(number)s: your new unit"),
    label=_("Exchange made"),
)
