"""Badges of the returns pages (HTML built with ``format_html``: data is always escaped)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from aftersales.core.badges import choice_badge, choice_label

from ..choices import RefundState, Remedy, Rule, Status

register = template.Library()

STATUS_COLORS = {
    Status.REQUESTED: "secondary",
    Status.CHECKED: "info",
    Status.INSPECTED: "primary",
    Status.AWAITING_REFUND: "warning",
    Status.AWAITING_EXCHANGE: "warning",
    Status.REPAIR: "success",
    Status.REFUNDED: "success",
    Status.EXCHANGED: "success",
    Status.REFUSED: "dark",
    Status.CANCELLED: "light",
}
REFUND_COLORS = {
    RefundState.WAITING_GOODS: "secondary",
    RefundState.ON_TIME: "info",
    RefundState.AT_RISK: "warning",
    RefundState.OVERDUE: "danger",
}
REFUND_ICONS = {RefundState.AT_RISK: "hourglass-split", RefundState.OVERDUE: "alarm"}


@register.simple_tag
def rma_status_badge(status: str):
    return choice_badge(status, Status, STATUS_COLORS, css="border")


@register.simple_tag
def refund_badge(state: str):
    if not state:
        return ""
    return choice_badge(state, RefundState, REFUND_COLORS, data="refund", icon=REFUND_ICONS.get(state, ""))


@register.simple_tag
def remedy_badge(remedy: str):
    return format_html(
        '<span class="badge rounded-pill text-bg-success" data-remedy="{}">{}</span>',
        remedy,
        choice_label(Remedy, remedy),
    )


@register.filter
def rule_label(rule: str) -> str:
    return choice_label(Rule, rule) if rule else ""
