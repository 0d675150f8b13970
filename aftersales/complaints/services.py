"""Every write to a complaint (R-CMP-1, R-CMP-2). Each is atomic, attributed, leaves a timeline
row and an audit row, and moves the status only through ``choices.TRANSITIONS``.

Public for the apps above (``feedback`` opens a complaint as the remedy of a low survey score)::

    complaint_create(actor=…, category="quality", description="…", source="survey", source_ref=str(answer.pk),
                     request=sr)

An anonymous complaint never stores a name, phone or address: ``complaint_create`` refuses a
customer, a contact or a request with it (a request names its customer), and nothing written
about it — audit rows, timeline, notifications — carries one.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.accounts.models import Organization, User
from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record, person
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg, text_columns
from aftersales.core.phones import phone_normalize
from aftersales.core.sequences import sequence_next
from aftersales.core.states import transition_apply
from aftersales.core.uploads import upload_check
from aftersales.customers.models import Customer
from aftersales.notifications.models import Channel as Via
from aftersales.notifications.services import Outgoing, messages_send
from aftersales.sla.selectors import complaint_deadline_for
from aftersales.tickets.choices import Channel
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.permissions import request_can_act
from aftersales.tickets.services import request_add_note

from .choices import (
    AWAITING_ANSWER,
    HANDLER_ROLES,
    INTAKE_ROLES,
    MANAGER_ROLES,
    SEVERITY_RANK,
    TRANSITIONS,
    Category,
    ClosedBy,
    ComplaintAction,
    EscalationReason,
    Response,
    Severity,
    Source,
    Status,
)
from .models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintEvidence, EscalationLevel
from .permissions import complaint_can_act

__all__ = [
    "complaint_assign",
    "complaint_close",
    "complaint_create",
    "complaint_decide",
    "complaint_escalate",
    "complaint_evidence_add",
    "complaint_follow_up",
    "complaint_note",
    "complaint_propose",
    "complaint_respond",
    "complaint_respond_by_link",
    "complaint_update",
]

TEXT_MAX = 4000
CONTACT_NAME_MAX = Complaint._meta.get_field("contact_name").max_length
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone
ILLEGAL_MESSAGE = _("A complaint that is “%(status)s” cannot be moved with “%(action)s”.")


# --- small helpers ------------------------------------------------------------------------------


def _text(value, field: str, *, required: bool = False, label=None) -> str:
    text = (value or "").strip() if isinstance(value, str) else ("" if value is None else None)
    if text is None:
        raise ValidationFailed(fields={field: [_("Enter text.")]})
    if required and not text:
        raise ValidationFailed(fields={field: [label or _("This field is required.")]})
    if len(text) > TEXT_MAX:
        raise ValidationFailed(fields={field: [_("At most %(n)d characters.") % {"n": TEXT_MAX}]})
    return text


def _event(complaint, *, actor, kind, action="", from_status="", to_status="", note="", at=None, by_complainant=False):
    return ComplaintEvent.objects.create(
        complaint=complaint,
        at=at or timezone.now(),
        actor=person(actor),
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        by_complainant=by_complainant,
        **text_columns(note, "note"),
    )


def complaint_number_next(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"CP{now:%y%m}-{sequence_next(f'cp-{now:%y%m}'):06d}"


def tracking_code_new() -> str:
    for _attempt in range(10):
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        if not Complaint.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("could not draw a free tracking code")  # pragma: no cover - 32^8 codes


def _lock(complaint: Complaint | int) -> Complaint:
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    return Complaint.objects.select_for_update().get(pk=pk)


def _load_for(actor, complaint, *, roles=HANDLER_ROLES) -> Complaint:
    """The complaint, locked, if ``actor`` may act on it with one of ``roles``."""
    complaint = _lock(complaint)
    if not complaint_can_act(actor, complaint):
        raise NotFoundError()
    if not actor.has_role(*roles):
        raise PermissionDeniedError()
    return complaint


def _move(complaint: Complaint, action: str, *, actor, reason=None, now) -> tuple[str, str]:
    before, after = transition_apply(
        complaint, TRANSITIONS, action, actor=actor, reason=reason, illegal_message=ILLEGAL_MESSAGE
    )
    complaint.status_changed_at = now
    return before, after


def _save(complaint: Complaint, now) -> None:
    complaint.updated_at = now
    complaint.save()


def _moved(complaint, *, actor, action, before, after, note, now, changes=None, by_complainant=False) -> None:
    """Save a complaint that ``_move`` moved, with its timeline row and its audit record."""
    _save(complaint, now)
    _event(
        complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.TRANSITION,
        action=action,
        from_status=before,
        to_status=after,
        note=note,
        at=now,
        by_complainant=by_complainant,
    )
    status = {"status": [before, after]} if before != after else {}
    audit_record(actor=actor, action=f"complaint.{action}", obj=complaint, changes={**status, **(changes or {})})


def _staff(user) -> bool:
    return user is not None and user.is_active and user.role != Role.CUSTOMER


def _investigator_check(user) -> None:
    if not isinstance(user, User) or not user.is_active or not user.has_role(*HANDLER_ROLES):
        raise ValidationFailed(fields={"investigator": [_("Choose an active complaint handler.")]})


# --- telling people ------------------------------------------------------------------------------


def _params(complaint: Complaint, **extra) -> dict:
    return {
        "number": complaint.number,
        "category": complaint.category,
        "severity": complaint.severity,
        "due": complaint.due_at,
        **extra,
    }


def _tell_complainant(complaint: Complaint, key: str, **extra) -> None:
    """A message to the complainant with his tracking link: in the app and by e-mail when he has a
    login or an e-mail, by SMS to the contact phone. Never for an anonymous complaint (nothing to
    reach him by: he holds the tracking code and the link)."""
    if complaint.anonymous:
        return
    params = {"number": complaint.number, "code": complaint.tracking_code, **extra}
    url = complaint.tracking_url()
    out: list[Outgoing] = []
    customer = complaint.customer
    if customer is not None and customer.user_id:
        out.append(Outgoing(key=key, params=params, recipient=customer.user, channels=(Via.IN_APP,), url=url))
    if customer is not None and customer.email:
        out.append(Outgoing(key=key, params=params, address=customer.email, channels=(Via.EMAIL,), url=url))
    if complaint.contact_phone:
        out.append(Outgoing(key=key, params=params, address=complaint.contact_phone, channels=(Via.SMS,), url=url))
    if out:
        messages_send(out)


def _people(users) -> list:
    return list({u.pk: u for u in users if _staff(u)}.values())


def _tell_staff(users, key: str, complaint: Complaint, *, email: bool = False, **extra) -> int:
    people = _people(users)
    if not people:
        return 0
    channels = (Via.IN_APP, Via.EMAIL) if email else (Via.IN_APP,)
    messages_send(
        Outgoing(key=key, params=_params(complaint, **extra), recipient=u, channels=channels, link=complaint)
        for u in people
    )
    return len(people)


# --- the escalation chain ----------------------------------------------------------------------------


def chain_load() -> list[EscalationLevel]:
    """The active levels, lowest first (level 0: the complaint handler)."""
    return list(EscalationLevel.objects.filter(is_active=True).prefetch_related("notify_users").order_by("level"))


def _audience(row: EscalationLevel, complaint: Complaint) -> list:
    users = list(row.notify_users.all())
    if row.notify_role:
        users += list(User.objects.filter(is_active=True).filter(Q(role=row.notify_role)))
    if row.notify_investigator and complaint.investigator_id:
        users.append(complaint.investigator)
    return users


def required_level(
    complaint: Complaint,
    chain: list[EscalationLevel],
    *,
    now,
    severity: bool = True,
    overdue: bool = True,
    extra: int = 0,
) -> int:
    """The level the complaint must have reached by ``now``: its severity's level (``severity``),
    the levels whose delay after a missed deadline has passed (``overdue``), and ``extra`` levels
    above the current one (one per rejection being recorded)."""
    target = complaint.escalation_level
    rank = SEVERITY_RANK.get(complaint.severity, 0)
    for row in chain:
        if row.level == 0:
            continue
        if severity and row.severity and rank >= SEVERITY_RANK.get(row.severity, 99):
            target = max(target, row.level)
        if (
            overdue
            and row.overdue_after is not None
            and complaint.status in AWAITING_ANSWER
            and complaint.answered_at is None
            and complaint.due_at + row.overdue_after <= now
        ):
            target = max(target, row.level)
    if extra:
        above = [row.level for row in chain if row.level > complaint.escalation_level]
        if above:
            target = max(target, above[min(extra, len(above)) - 1])
    return target


def next_check(complaint: Complaint, chain: list[EscalationLevel]) -> Any:
    """When the sweep must look at the complaint again: the next level its missed deadline would
    reach; None when nothing is pending (answered, closed, or at the top)."""
    if complaint.status not in AWAITING_ANSWER or complaint.answered_at is not None:
        return None
    times = [
        complaint.due_at + row.overdue_after
        for row in chain
        if row.level > complaint.escalation_level and row.overdue_after is not None
    ]
    return min(times) if times else None


def complaint_escalate(
    complaint: Complaint, *, target: int, reason: str, chain: list[EscalationLevel], now, actor=None
) -> list[ComplaintEscalation]:
    """Walk ``complaint`` (locked by the caller) up to level ``target``, one level at a time, each
    level once: claim it with a conditional update (``escalation_level`` moves only from the level
    below), record it (a unique key per complaint and level), tell its audience, note it on the
    timeline. Returns the levels reached now."""
    done: list[ComplaintEscalation] = []
    actor = actor or system_user()
    for row in chain:
        if row.level <= complaint.escalation_level or row.level > target:
            continue
        claimed = Complaint.objects.filter(pk=complaint.pk, escalation_level=complaint.escalation_level).update(
            escalation_level=row.level, updated_at=now
        )
        if not claimed:  # somebody else moved it: stop here, the next sweep sees the new level
            break
        before = complaint.escalation_level
        complaint.escalation_level = row.level
        people = _people(_audience(row, complaint))
        try:
            with transaction.atomic():
                record = ComplaintEscalation.objects.create(
                    complaint=complaint,
                    level=row.level,
                    level_name=row.name,
                    reason=reason,
                    at=now,
                    notified=len(people),
                )
        except IntegrityError:  # reached already (a level removed and re-added): once per level
            continue
        _tell_staff(
            people, "complaints.escalation", complaint, email=row.email, level=row.level, name=row.name, reason=reason
        )
        _event(
            complaint,
            actor=actor,
            kind=ComplaintEvent.Kind.ESCALATION,
            note=msg("complaints.escalated", level=row.level, name=row.name, reason=reason),
            at=now,
        )
        audit_record(
            actor=actor,
            action="complaint.escalate",
            obj=complaint,
            changes={"escalation_level": [before, row.level], "reason": [None, reason]},
        )
        done.append(record)
    return done


def _escalate_now(complaint: Complaint, *, reason: str, now, actor=None) -> None:
    """Escalate for ``reason`` now (a severity at intake or raised, or a rejection: one level up),
    then reschedule the sweep's next look at the deadline."""
    chain = chain_load()
    if reason == EscalationReason.REJECTED:
        target = required_level(complaint, chain, now=now, severity=False, overdue=False, extra=1)
    else:
        target = required_level(complaint, chain, now=now, overdue=False)
    if target > complaint.escalation_level:
        complaint_escalate(complaint, target=target, reason=reason, chain=chain, now=now, actor=actor)
    complaint.escalate_at = next_check(complaint, chain)


# --- intake --------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_create(
    *,
    actor,
    category: str,
    description: str,
    severity: str = "normal",
    demand: str = "",
    channel: str = "phone",
    request: ServiceRequest | None = None,
    customer: Customer | None = None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    source: str = "manual",
    source_ref: str = "",
    now=None,
    technician=None,
    partner: Organization | None = None,
    investigator=None,
) -> Complaint:
    """Take a complaint on any channel (R-CMP-1, seed 001 §6.1): what happened, the customer's
    demand, the category (its reply deadline comes from the SLA app: 24 / 48 / 72 h by default),
    the severity. With ``request`` the customer, technician and partner come from it.
    ``anonymous``: no customer, contact or request may be given; the complainant gets a tracking
    code. A major or urgent complaint is escalated at once (the chain's severity levels)."""
    if actor is None or not actor.has_role(*INTAKE_ROLES):
        raise PermissionDeniedError()
    errors: dict[str, list] = {}
    if category not in Category.values:
        errors["category"] = [_("Choose one of: %(v)s") % {"v": ", ".join(Category.values)}]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose one of: %(v)s") % {"v": ", ".join(Severity.values)}]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if source not in Source.values:
        errors["source"] = [_("Unknown source.")]
    if len(source_ref or "") > 64:
        errors["source_ref"] = [_("At most %(n)d characters.") % {"n": 64}]
    if errors:
        raise ValidationFailed(fields=errors)
    description = _text(description, "description", required=True, label=_("Describe the complaint."))
    demand = _text(demand, "demand")
    contact_name = (contact_name or "").strip()
    if anonymous:
        named = {
            "customer": customer is not None,
            "request": request is not None,
            "contact_name": bool(contact_name),
            "contact_phone": bool((contact_phone or "").strip()),
        }
        if any(named.values()):
            raise ValidationFailed(
                _("An anonymous complaint names nobody: no customer, request, contact name or phone."),
                fields={k: [_("Not with an anonymous complaint.")] for k, v in named.items() if v},
            )
    if len(contact_name) > CONTACT_NAME_MAX:
        raise ValidationFailed(fields={"contact_name": [_("At most %(n)d characters.") % {"n": CONTACT_NAME_MAX}]})
    if request is not None:
        if not request_can_act(actor, request):
            raise NotFoundError()
        if customer is not None and customer.pk != request.customer_id:
            raise ValidationFailed(fields={"request": [_("This request belongs to another customer.")]})
        customer = customer or request.customer
        if technician is None:
            technician = request.assigned_technician
        if partner is None and request.assigned_organization_id:
            org = request.assigned_organization
            partner = org if org.kind == OrganizationKind.PARTNER else None
    if technician is not None and (not isinstance(technician, User) or technician.role != Role.TECHNICIAN):
        raise ValidationFailed(fields={"technician": [_("Not a technician.")]})
    if partner is not None and (not isinstance(partner, Organization) or partner.kind != OrganizationKind.PARTNER):
        raise ValidationFailed(fields={"partner": [_("Not a service partner.")]})
    if investigator is not None:
        _investigator_check(investigator)
    phone = ""
    if not anonymous:
        phone = phone_normalize(contact_phone, field="contact_phone") if (contact_phone or "").strip() else ""
        if customer is not None:
            phone = phone or customer.phone
            contact_name = contact_name or customer.name
    now = now or timezone.now()
    deadline = complaint_deadline_for(category, now)
    complaint = Complaint.objects.create(
        number=complaint_number_next(now),
        tracking_code=tracking_code_new(),
        token=secrets.token_urlsafe(32),
        channel=channel,
        source=source,
        source_ref=(source_ref or "").strip(),
        category=category,
        severity=severity,
        status=Status.OPEN,
        anonymous=bool(anonymous),
        customer=customer,
        contact_name=contact_name,
        contact_phone=phone,
        technician=technician,
        partner=partner,
        description=description,
        demand=demand,
        due_at=deadline.due_at,
        warning_at=deadline.warning_at,
        deadline_hours=deadline.hours,
        deadline_business=deadline.business,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    if request is not None:
        complaint.requests.add(request)
    _event(
        complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.CREATED,
        to_status=Status.OPEN,
        note=msg("complaints.received", channel=channel, category=category, severity=severity, due=deadline.due_at),
        at=now,
    )
    audit_record(
        actor=actor,
        action="complaint.create",
        obj=complaint,
        changes={
            "status": [None, Status.OPEN],
            "category": [None, category],
            "severity": [None, severity],
            "anonymous": [None, bool(anonymous)],
            "source": [None, source],
        },
    )
    if request is not None:
        request_add_note(
            actor=actor, request=request, text=msg("complaints.filed_about", number=complaint.number), now=now
        )
    if investigator is not None:
        # Whoever takes the complaint may name its investigator.
        complaint = _assign(complaint, actor=actor, investigator=investigator, now=now)
    else:
        handlers = next((row for row in chain_load() if row.level == 0), None)
        if handlers is not None:
            _tell_staff(_audience(handlers, complaint), "complaints.new", complaint, email=handlers.email)
    # A major or urgent complaint goes up at once (seed 001 §6.4); the sweep watches the deadline.
    _escalate_now(complaint, reason=EscalationReason.SEVERITY, now=now)
    Complaint.objects.filter(pk=complaint.pk).update(escalate_at=complaint.escalate_at)
    _tell_complainant(complaint, "complaints.ack", due=complaint.due_at)
    return complaint


# --- investigation ---------------------------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, investigator, now=None) -> Complaint:
    """Name the investigator (seed 001 §6.2: 指定专人); he is told."""
    complaint = _load_for(actor, complaint)
    return _assign(complaint, actor=actor, investigator=investigator, now=now or timezone.now())


def _assign(complaint: Complaint, *, actor, investigator, now) -> Complaint:
    _investigator_check(investigator)
    if complaint.investigator_id == investigator.pk and complaint.status == Status.INVESTIGATING:
        return complaint  # already his
    before, after = _move(complaint, ComplaintAction.ASSIGN, actor=actor, now=now)
    old = complaint.investigator_id
    complaint.investigator = investigator
    _moved(
        complaint,
        actor=actor,
        action=ComplaintAction.ASSIGN,
        before=before,
        after=after,
        note=msg("complaints.investigator_named", name=investigator.display_name),
        now=now,
        changes={"investigator": [old, investigator.pk]},
    )
    _tell_staff([investigator], "complaints.assigned", complaint)
    return complaint


@transaction.atomic
def complaint_note(*, actor, complaint: Complaint, text: str, now=None) -> ComplaintEvent:
    """An investigation note (the handler's words, kept as written)."""
    complaint = _load_for(actor, complaint)
    if not complaint.is_open:
        raise ValidationFailed(_("The complaint is closed."), code="closed")
    text = _text(text, "text", required=True, label=_("Write a note."))
    now = now or timezone.now()
    Complaint.objects.filter(pk=complaint.pk).update(updated_at=now)
    event = _event(complaint, actor=actor, kind=ComplaintEvent.Kind.NOTE, note=text, at=now)
    audit_record(actor=actor, action="complaint.note", obj=complaint, changes={"note": [None, event.pk]})
    return event


@transaction.atomic
def complaint_evidence_add(*, actor, complaint: Complaint, uploads, note: str = "", now=None) -> list:
    """Evidence for the investigation (photos, videos, PDF): all files checked before any is stored."""
    complaint = _load_for(actor, complaint)
    if not complaint.is_open:
        raise ValidationFailed(_("The complaint is closed."), code="closed")
    note = _text(note, "note")[:200]
    checked = [upload_check(u, allowed=("image", "video", "document"), field="files") for u in uploads or []]
    if not checked:
        raise ValidationFailed(fields={"files": [_("Choose a file.")]})
    now = now or timezone.now()
    stored = []
    for c in checked:
        evidence = ComplaintEvidence.objects.create(
            complaint=complaint,
            file=c.file,
            original_name=c.original_name,
            content_type=c.content_type,
            kind=c.kind,
            size=c.size,
            note=note,
            uploaded_by=actor,
            created_at=now,
        )
        stored.append(evidence)
        _event(complaint, actor=actor, kind=ComplaintEvent.Kind.EVIDENCE, note=evidence.original_name, at=now)
        audit_record(actor=actor, action="complaint.evidence", obj=complaint, changes={"evidence": [None, evidence.pk]})
    Complaint.objects.filter(pk=complaint.pk).update(updated_at=now)
    return stored


UPDATABLE = ("category", "severity", "description", "demand", "investigation", "technician", "partner")


@transaction.atomic
def complaint_update(*, actor, complaint: Complaint, now=None, **data) -> Complaint:
    """Change the details while the complaint is open: the category (its deadline is computed
    again from the time it was received, unless already answered), the severity (a higher one
    escalates), the texts, the technician and partner concerned."""
    unknown = set(data) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    complaint = _load_for(actor, complaint)
    if not complaint.is_open:
        raise ValidationFailed(_("The complaint is closed."), code="closed")
    if "category" in data and data["category"] not in Category.values:
        raise ValidationFailed(fields={"category": [_("Choose one of: %(v)s") % {"v": ", ".join(Category.values)}]})
    if "severity" in data and data["severity"] not in Severity.values:
        raise ValidationFailed(fields={"severity": [_("Choose one of: %(v)s") % {"v": ", ".join(Severity.values)}]})
    if "description" in data:
        data["description"] = _text(data["description"], "description", required=True)
    for name in ("demand", "investigation"):
        if name in data:
            data[name] = _text(data[name], name)
    tech = data.get("technician")
    if tech is not None and (not isinstance(tech, User) or tech.role != Role.TECHNICIAN):
        raise ValidationFailed(fields={"technician": [_("Not a technician.")]})
    org = data.get("partner")
    if org is not None and (not isinstance(org, Organization) or org.kind != OrganizationKind.PARTNER):
        raise ValidationFailed(fields={"partner": [_("Not a service partner.")]})
    now = now or timezone.now()
    changes: dict[str, list] = {}
    for name, value in data.items():
        old = getattr(complaint, name)
        if old != value:
            changes[name] = [old.pk if hasattr(old, "pk") else old, value.pk if hasattr(value, "pk") else value]
            setattr(complaint, name, value)
    if not changes:
        return complaint
    if "category" in changes and complaint.answered_at is None:
        deadline = complaint_deadline_for(complaint.category, complaint.created_at)
        complaint.due_at, complaint.warning_at = deadline.due_at, deadline.warning_at
        complaint.deadline_hours, complaint.deadline_business = deadline.hours, deadline.business
        _event(
            complaint,
            actor=actor,
            kind=ComplaintEvent.Kind.UPDATE,
            note=msg("complaints.deadline_changed", category=complaint.category, due=complaint.due_at),
            at=now,
        )
    _event(
        complaint,
        actor=actor,
        kind=ComplaintEvent.Kind.UPDATE,
        note=msg("complaints.changed", fields=sorted(changes)),
        at=now,
    )
    if "severity" in changes:
        _escalate_now(complaint, reason=EscalationReason.SEVERITY, now=now, actor=actor)
    else:
        complaint.escalate_at = next_check(complaint, chain_load())
    _save(complaint, now)
    audit_record(
        actor=actor,
        action="complaint.update",
        obj=complaint,
        # The texts are on the complaint; the audit names which changed.
        changes={
            k: (v if k not in ("description", "demand", "investigation") else ["…", "…"]) for k, v in changes.items()
        },
    )
    return complaint


# --- the answer and the customer's response --------------------------------------------------------


@transaction.atomic
def complaint_propose(*, actor, complaint: Complaint, solution: str, investigation: str | None = None, now=None):
    """Propose the solution (seed 001 §6.2): this is the answer the deadline asks for. The
    complainant is told through his link."""
    complaint = _load_for(actor, complaint)
    solution = _text(solution, "solution", required=True, label=_("Describe the solution."))
    if investigation is not None:
        complaint.investigation = _text(investigation, "investigation")
    now = now or timezone.now()
    before, after = _move(complaint, ComplaintAction.PROPOSE, actor=actor, now=now)
    complaint.solution = solution
    complaint.proposed_at = now
    complaint.response, complaint.response_note, complaint.responded_at = "", "", None
    if complaint.answered_at is None:
        complaint.answered_at = now
    complaint.escalate_at = None
    _moved(
        complaint,
        actor=actor,
        action=ComplaintAction.PROPOSE,
        before=before,
        after=after,
        note=solution,
        now=now,
        changes={"answered_at": [None, complaint.answered_at]},
    )
    _tell_complainant(complaint, "complaints.solution_ready")
    return complaint


def _respond(complaint: Complaint, *, actor, accepted: bool, note: str, now, by_complainant: bool) -> Complaint:
    note = _text(note, "note")
    action = ComplaintAction.ACCEPT if accepted else ComplaintAction.REJECT
    before, after = _move(complaint, action, actor=actor, reason=note if not accepted else None, now=now)
    complaint.response = Response.ACCEPTED if accepted else Response.REJECTED
    complaint.response_note = note
    complaint.responded_at = now
    if not accepted:
        complaint.rejections += 1
    _moved(
        complaint,
        actor=actor,
        action=action,
        before=before,
        after=after,
        note=note,
        now=now,
        changes={"response": [None, complaint.response], "via_link": [None, by_complainant]},
        by_complainant=by_complainant,
    )
    if complaint.investigator_id:
        _tell_staff(
            [complaint.investigator],
            "complaints.customer_accepted" if accepted else "complaints.customer_rejected",
            complaint,
        )
    if not accepted:
        # The customer is unhappy with the answer: one level up (seed 001 §6.4), once per level.
        _escalate_now(complaint, reason=EscalationReason.REJECTED, now=now, actor=actor)
        Complaint.objects.filter(pk=complaint.pk).update(escalate_at=complaint.escalate_at)
    return complaint


@transaction.atomic
def complaint_respond(*, actor, complaint: Complaint, accepted: bool, note: str = "", now=None) -> Complaint:
    """Record the customer's answer taken by staff (on the phone): accepted, or rejected with his
    words (a rejection sends the complaint back to investigation, one escalation level up)."""
    complaint = _load_for(actor, complaint)
    return _respond(
        complaint, actor=actor, accepted=bool(accepted), note=note, now=now or timezone.now(), by_complainant=False
    )


@transaction.atomic
def complaint_respond_by_link(*, token: str, accepted: bool, note: str = "", now=None) -> Complaint:
    """The complainant's own answer through his tracking link (no login): acts as the system
    account, marked as the complainant's."""
    complaint = Complaint.objects.select_for_update().filter(token=token or "-").first()
    if complaint is None:
        raise NotFoundError()
    return _respond(
        complaint,
        actor=system_user(),
        accepted=bool(accepted),
        note=note,
        now=now or timezone.now(),
        by_complainant=True,
    )


@transaction.atomic
def complaint_follow_up(*, actor, complaint: Complaint, note: str, now=None) -> Complaint:
    """The follow-up after the solution (seed 001 §6.3: was it carried out, is the customer satisfied)."""
    complaint = _load_for(actor, complaint)
    note = _text(note, "note", required=True, label=_("Write what the follow-up found."))
    now = now or timezone.now()
    before, after = _move(complaint, ComplaintAction.FOLLOW_UP, actor=actor, now=now)
    complaint.followup_note = note
    complaint.followed_up_at = now
    _moved(complaint, actor=actor, action=ComplaintAction.FOLLOW_UP, before=before, after=after, note=note, now=now)
    return complaint


# --- closing ------------------------------------------------------------------------------------------


def _close(complaint, *, actor, action, basis, text, now) -> Complaint:
    """Close (``action``: close or decide) on ``basis``; ``text``: the decision, if any."""
    before, after = _move(complaint, action, actor=actor, reason=text or None, now=now)
    complaint.closed_by = basis
    complaint.closed_at = now
    complaint.escalate_at = None
    _moved(
        complaint,
        actor=actor,
        action=action,
        before=before,
        after=after,
        note=text,
        now=now,
        changes={"closed_by": ["", basis]},
    )
    _tell_complainant(complaint, "complaints.closed_notice")
    return complaint


@transaction.atomic
def complaint_close(*, actor, complaint: Complaint, lessons: str, now=None) -> Complaint:
    """Close after the customer's acceptance and the follow-up, with the lessons learned
    (seed 001 §6.3: 总结经验教训)."""
    complaint = _load_for(actor, complaint)
    lessons = _text(lessons, "lessons", required=True, label=_("Write the lessons learned."))
    complaint.lessons = lessons
    now = now or timezone.now()
    return _close(complaint, actor=actor, action=ComplaintAction.CLOSE, basis=ClosedBy.ACCEPTANCE, text="", now=now)


@transaction.atomic
def complaint_decide(*, actor, complaint: Complaint, decision: str, lessons: str = "", now=None) -> Complaint:
    """Close by a manager's documented decision (the customer did not accept, or cannot be reached)."""
    complaint = _load_for(actor, complaint, roles=MANAGER_ROLES)
    decision = _text(decision, "decision", required=True, label=_("Document the decision."))
    lessons = _text(lessons, "lessons")
    complaint.decision = decision
    if lessons:
        complaint.lessons = lessons
    now = now or timezone.now()
    return _close(
        complaint, actor=actor, action=ComplaintAction.DECIDE, basis=ClosedBy.DECISION, text=decision, now=now
    )
