"""Who may see and do what in field service (R-ROLE-1), in one place.

A visit, its parts, photos, payments and quotes are seen by whoever may see its request
(``tickets.permissions.request_list_for``); only the job's own technician records a visit.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import STAFF_ROLES

from .models import Payment, Quote, Visit, VisitPart, VisitPhoto

# Who opens a job's field page and its preparation panel (customers follow their request elsewhere).
JOB_PAGE_ROLES = STAFF_ROLES
# Who records a visit's steps (check-in ... check-out); the services also require the job's own technician.
VISIT_WORK_ROLES = frozenset({Role.TECHNICIAN})


def visit_list_for(user) -> QuerySet[Visit]:
    from aftersales.tickets.permissions import request_list_for

    return Visit.objects.filter(request__in=request_list_for(user))


def visit_part_list_for(user) -> QuerySet[VisitPart]:
    return VisitPart.objects.filter(visit__in=visit_list_for(user))


def visit_photo_list_for(user) -> QuerySet[VisitPhoto]:
    return VisitPhoto.objects.filter(visit__in=visit_list_for(user))


def payment_list_for(user) -> QuerySet[Payment]:
    return Payment.objects.filter(visit__in=visit_list_for(user))


def quote_list_for(user) -> QuerySet[Quote]:
    return Quote.objects.filter(visit__in=visit_list_for(user))
