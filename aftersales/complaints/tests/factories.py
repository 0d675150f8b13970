"""Complaints built through the services, and the people who handle them."""

from __future__ import annotations

import datetime as dt

from aftersales.accounts.choices import Role
from aftersales.complaints.services import (
    complaint_assign,
    complaint_create,
    complaint_follow_up,
    complaint_propose,
    complaint_respond,
)
from aftersales.customers.services import customer_create
from aftersales.tickets.tests.paths import unique_phone


def make_customer(actor, name="王女士", **kwargs):
    return customer_create(actor=actor, name=name, phone=kwargs.pop("phone", None) or unique_phone(), **kwargs)


def make_complaint(actor, *, customer=None, category="attitude", severity="normal", **kwargs):
    if customer is None and not kwargs.get("anonymous") and "request" not in kwargs:
        customer = make_customer(actor)
    return complaint_create(
        actor=actor,
        category=category,
        severity=severity,
        description=kwargs.pop("description", "师傅态度恶劣，没有穿鞋套"),
        demand=kwargs.pop("demand", "道歉并重新上门"),
        customer=customer,
        **kwargs,
    )


def drive_to(status: str, *, handler, customer=None, now=None, **kwargs):
    """A complaint taken by ``handler`` and walked to ``status`` with the real services."""
    now = now or dt.datetime.now(dt.UTC)
    complaint = make_complaint(handler, customer=customer, now=now, **kwargs)
    if status == "open":
        return complaint
    complaint = complaint_assign(actor=handler, complaint=complaint, investigator=handler, now=now)
    if status == "investigating":
        return complaint
    complaint = complaint_propose(actor=handler, complaint=complaint, solution="上门道歉，赠送保养一次", now=now)
    if status == "proposed":
        return complaint
    complaint = complaint_respond(actor=handler, complaint=complaint, accepted=True, now=now)
    if status == "accepted":
        return complaint
    complaint = complaint_follow_up(actor=handler, complaint=complaint, note="客户确认已道歉", now=now)
    if status == "followed_up":
        return complaint
    raise ValueError(status)


def handler_user(make_user):
    return make_user(Role.QUALITY)
