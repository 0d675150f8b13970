"""Training pages (R-QA-2): the due and overdue lists, sessions (plan, hold, attendance and scores,
close), courses, certifications, and each person's record. Thin: check input and permission, call
one selector or service, render."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.core.forms import form_action, form_page
from aftersales.core.permissions import roles_required, user_has_role
from aftersales.core.states import transition_allowed
from aftersales.quality.choices import CaseStatus
from aftersales.quality.permissions import case_list_for

from . import forms as F
from . import services
from .choices import SESSION_TRANSITIONS, CertState, DueState, SessionAction, SessionStatus
from .permissions import LEARNER_ROLES, RECORD_ROLES, TRAINING_ROLES
from .selectors import (
    certification_rows,
    course_get_for,
    course_list_for,
    due_counts,
    due_rows,
    person_get_for,
    roster,
    session_get_for,
    session_rows,
    today,
    training_record_for,
)

LIST_LIMIT = 200
LIST_STATES = (DueState.OVERDUE, DueState.NEVER, DueState.DUE)


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 10 else None


@roles_required(TRAINING_ROLES)
@require_GET
def overview(request):
    """The manager's list: who is overdue, never trained, or due this month, per course."""
    state = request.GET.get("state") if request.GET.get("state") in LIST_STATES else ""
    course_id = _int(request.GET.get("course"))
    rows = due_rows(request.user, course_id=course_id)
    counts = due_counts(rows)
    shown = [r for r in rows if (r.state == state if state else r.state in LIST_STATES)]
    on = today()
    upcoming = list(
        session_rows(request.user, status=SessionStatus.PLANNED).filter(starts_at__gte=timezone.now()).reverse()[:5]
    )
    return render(
        request,
        "training/overview.html",
        {
            "rows": shown[:LIST_LIMIT],
            "total": len(shown),
            "counts": counts,
            "state": state,
            "states": [(s, DueState(s).label) for s in LIST_STATES],
            "course_id": course_id,
            "courses": list(course_list_for(request.user).filter(is_active=True)),
            "cert_alerts": certification_rows(request.user, on=on, state=CertState.LAPSED)
            + certification_rows(request.user, on=on, state=CertState.EXPIRING),
            "upcoming": upcoming,
            "today": on,
            "limit": LIST_LIMIT,
        },
    )


def _record_page(request, person, *, own: bool):
    return render(
        request,
        "training/person.html",
        {
            "record": training_record_for(person),
            "person": person,
            "own": own,
            "today": today(),
            "show_tabs": user_has_role(request.user, RECORD_ROLES),
        },
    )


@roles_required(LEARNER_ROLES)
@require_GET
def me(request):
    return _record_page(request, request.user, own=True)


@roles_required(RECORD_ROLES)
@require_GET
def person(request, pk: int):
    target = person_get_for(request.user, pk)
    return _record_page(request, target, own=target.pk == request.user.pk)


@roles_required(RECORD_ROLES)
@require_GET
def certifications(request):
    state = request.GET.get("state") if request.GET.get("state") in CertState.values else ""
    rows = certification_rows(request.user, state=state)
    return render(
        request,
        "training/certifications.html",
        {"rows": rows[:LIST_LIMIT], "state": state, "states": CertState.choices, "limit": LIST_LIMIT},
    )


# --- courses ------------------------------------------------------------------------------------


@roles_required(TRAINING_ROLES)
@require_GET
def course_list(request):
    courses = list(course_list_for(request.user).select_related("certifies_category"))
    return render(request, "training/course_list.html", {"courses": courses})


@roles_required(TRAINING_ROLES)
@require_GET
def course_detail(request, pk: int):
    course = course_get_for(request.user, pk)
    rows = due_rows(request.user, course_id=course.pk)
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "audience_labels": [Role(r).label for r in course.audience or () if r in Role.values],
            "sessions": list(session_rows(request.user, course_id=course.pk)[:50]),
            "rows": rows,
            "counts": due_counts(rows),
        },
    )


@roles_required(TRAINING_ROLES)
@require_http_methods(["GET", "POST"])
def course_create(request):
    return form_page(
        request,
        F.CourseForm(request.POST or None),
        "training/course_form.html",
        {"course": None},
        run=lambda form: services.course_create(
            actor=request.user, **{k: v for k, v in form.service_data().items() if k != "is_active"}
        ),
        done=_("Course added."),
        then=lambda course: redirect(course),
    )


@roles_required(TRAINING_ROLES)
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    course = course_get_for(request.user, pk)
    initial = {
        "title": course.title,
        "kind": course.kind,
        "format": course.format,
        "recurrence_months": course.recurrence_months,
        "audience": list(course.audience or ()),
        "pass_score": course.pass_score,
        "certifies_service_type": course.certifies_service_type,
        "certifies_category": course.certifies_category,
        "validity_months": course.validity_months,
        "certification_required": course.certification_required,
        "description": course.description,
        "is_active": course.is_active,
    }

    def run(form):
        data = form.service_data()
        data["format"] = data["format"] or course.format
        if data["recurrence_months"] is None:
            data["recurrence_months"] = course.recurrence_months
        return services.course_update(actor=request.user, course=course, **data)

    return form_page(
        request,
        F.CourseForm(request.POST or None, initial=initial),
        "training/course_form.html",
        {"course": course},
        run=run,
        done=_("Saved."),
        then=lambda c: redirect(c),
    )


# --- sessions -----------------------------------------------------------------------------------


def _trainers():
    return User.objects.filter(is_active=True).exclude(role__in=[Role.CUSTOMER]).order_by("last_name", "username")


def _cases(user):
    return case_list_for(user).filter(status=CaseStatus.PUBLISHED).order_by("-created_at", "-id")


@roles_required(TRAINING_ROLES)
@require_GET
def session_list(request):
    status = request.GET.get("status") if request.GET.get("status") in SessionStatus.values else ""
    rows = list(session_rows(request.user, status=status)[:LIST_LIMIT])
    return render(
        request,
        "training/session_list.html",
        {"rows": rows, "status": status, "statuses": SessionStatus.choices, "limit": LIST_LIMIT},
    )


@roles_required(TRAINING_ROLES)
@require_http_methods(["GET", "POST"])
def session_create(request):
    courses = course_list_for(request.user).filter(is_active=True)
    initial = {"duration_minutes": 60}
    course_id = _int(request.GET.get("course"))
    if course_id:
        initial["course"] = courses.filter(pk=course_id).first()
    start = timezone.localtime() + dt.timedelta(days=7)
    initial["starts_at"] = start.replace(hour=14, minute=0, second=0, microsecond=0)
    form = F.SessionForm(
        request.POST or None,
        initial=initial,
        courses=courses,
        trainers=_trainers(),
        cases=_cases(request.user),
    )
    return form_page(
        request,
        form,
        "training/session_form.html",
        {"session": None},
        run=lambda f: services.session_plan(actor=request.user, **f.cleaned_data),
        done=_("Session planned."),
        then=lambda s: redirect(s),
    )


@roles_required(TRAINING_ROLES)
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = session_get_for(request.user, pk)
    initial = {
        "starts_at": timezone.localtime(session.starts_at),
        "duration_minutes": session.duration_minutes,
        "trainer": session.trainer,
        "place": session.place,
        "online": session.online,
        "cases": list(session.cases.all()),
        "notes": session.notes,
    }
    form = F.SessionForm(
        request.POST or None,
        initial=initial,
        trainers=_trainers(),
        cases=_cases(request.user),
        edit=True,
    )
    return form_page(
        request,
        form,
        "training/session_form.html",
        {"session": session},
        run=lambda f: services.session_update(actor=request.user, session=session, **f.cleaned_data),
        done=_("Saved."),
        then=lambda s: redirect(s),
    )


@roles_required(TRAINING_ROLES)
@require_GET
def session_detail(request, pk: int):
    session = session_get_for(request.user, pk)
    people = roster(session)
    held = session.status == SessionStatus.HELD
    actions = [
        a
        for a in (SessionAction.HOLD, SessionAction.CLOSE)
        if transition_allowed(session, SESSION_TRANSITIONS, a, actor=request.user)
    ]
    recorded = [r for r in people if r["attendance"] is not None]
    present = [r for r in recorded if r["attendance"].presence == "present"]
    scores = [r["attendance"].score for r in present if r["attendance"].score is not None]
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "course": session.course,
            "cases": list(session.cases.all()),
            "attendance_form": F.AttendanceForm(roster=people) if held else None,
            "recorded": recorded,
            "summary": {
                "recorded": len(recorded),
                "present": len(present),
                "passed": sum(1 for r in recorded if r["attendance"].passed),
                "mean": round(sum(scores) / len(scores), 1) if scores else None,
            },
            "actions": actions,
            "cancel_form": F.CancelForm()
            if transition_allowed(session, SESSION_TRANSITIONS, SessionAction.CANCEL, actor=request.user)
            else None,
            "can_edit": session.status in (SessionStatus.PLANNED, SessionStatus.HELD)
            and user_has_role(request.user, TRAINING_ROLES),
        },
    )


@roles_required(TRAINING_ROLES)
@require_POST
def attendance(request, pk: int):
    session = session_get_for(request.user, pk)
    form = F.AttendanceForm(request.POST, roster=roster(session))
    return form_action(
        request,
        form,
        run=lambda d: services.attendance_record(actor=request.user, session=session, rows=form.rows()),
        done=lambda rows: _("Attendance of %(n)d people recorded.") % {"n": len(rows)},
        back=lambda: redirect(session),
    )


@roles_required(TRAINING_ROLES)
@require_POST
def session_transition(request, pk: int, action: str):
    session = session_get_for(request.user, pk)
    form = F.CancelForm(request.POST) if action == SessionAction.CANCEL else F.forms.Form(request.POST)
    done = {
        SessionAction.HOLD: _("Marked as held: record the attendance."),
        SessionAction.CLOSE: _("Session closed: the results count."),
        SessionAction.CANCEL: _("Session cancelled."),
    }.get(action, _("Done."))
    return form_action(
        request,
        form,
        run=lambda d: services.session_transition(
            actor=request.user, session=session, action=action, reason=d.get("reason", "")
        ),
        done=done,
        back=lambda: redirect(session),
    )
