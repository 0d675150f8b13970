"""Badges of the training pages (``core.badges.choice_badge``: data is always escaped)."""

from __future__ import annotations

from django import template

from aftersales.core.badges import choice_badge

from ..choices import CertState, DueState, SessionStatus

register = template.Library()

SESSION_COLORS = {
    SessionStatus.PLANNED: "primary",
    SessionStatus.HELD: "info",
    SessionStatus.CLOSED: "success",
    SessionStatus.CANCELLED: "secondary",
}
DUE_COLORS = {DueState.OVERDUE: "danger", DueState.NEVER: "secondary", DueState.DUE: "warning", DueState.OK: "success"}
CERT_COLORS = {CertState.LAPSED: "danger", CertState.EXPIRING: "warning", CertState.VALID: "success"}


@register.simple_tag
def session_badge(status: str):
    return choice_badge(status, SessionStatus, SESSION_COLORS)


@register.simple_tag
def due_badge(state: str):
    return choice_badge(state, DueState, DUE_COLORS, data="state")


@register.simple_tag
def cert_badge(state: str):
    return choice_badge(state, CertState, CERT_COLORS, data="cert-state")
