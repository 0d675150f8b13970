"""Technician profiles (skills, regions, capacity, home base) and absences."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import PermissionDeniedError, ValidationFailed

from ..models import TechnicianAbsence, TechnicianProfile, TechnicianSkill
from ..permissions import technician_can_edit

# --- technicians ------------------------------------------------------------------------------


PROFILE_FIELDS = (
    "home_label",
    "home_latitude",
    "home_longitude",
    "calendar",
    "shift_start",
    "shift_end",
    "break_earliest",
    "break_latest",
    "break_minutes",
    "capacity_jobs",
    "capacity_minutes",
    "rating",
    "is_dispatchable",
)


def _check_profile(data: dict) -> None:
    errors: dict[str, list] = {}
    lat, lng = data.get("home_latitude"), data.get("home_longitude")
    if lat is None or not -90 <= float(lat) <= 90:
        errors["home_latitude"] = [_("Between -90 and 90.")]
    if lng is None or not -180 <= float(lng) <= 180:
        errors["home_longitude"] = [_("Between -180 and 180.")]
    if data.get("shift_start") and data.get("shift_end") and data["shift_end"] <= data["shift_start"]:
        errors["shift_end"] = [_("The shift must end after it starts.")]
    if data.get("break_earliest") and data.get("break_latest") and data["break_latest"] <= data["break_earliest"]:
        errors["break_latest"] = [_("The break window must end after it starts.")]
    rating = data.get("rating")
    if rating is not None and not 1 <= float(rating) <= 5:
        errors["rating"] = [_("Between 1 and 5.")]
    cap = data.get("capacity_jobs")
    if cap is not None and not 1 <= int(cap) <= 50:
        errors["capacity_jobs"] = [_("Between 1 and 50.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _skill_key(row) -> tuple:
    return (row[0] or 0, row[1], row[2])


@transaction.atomic
def profile_save(*, actor, technician: User, skills=None, regions=None, **data) -> TechnicianProfile:
    """Create or update a technician's profile. ``skills``: [(category or None, service_type, level)];
    ``regions``: regions served. Office dispatch roles for anyone, partner staff for their own technicians."""
    if technician.role != Role.TECHNICIAN:
        raise ValidationFailed(fields={"technician": [_("Not a technician.")]})
    if not technician_can_edit(actor, technician):
        raise PermissionDeniedError()
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    profile = TechnicianProfile.objects.select_for_update().filter(user=technician).first()
    merged = {f: getattr(profile, f) for f in PROFILE_FIELDS} if profile else {}
    merged.update(data)
    _check_profile(merged)
    if skills is not None:
        seen = set()
        for category, service_type, level in skills:
            from aftersales.tickets.choices import ServiceType

            if service_type not in ServiceType.values or int(level) not in (1, 2, 3):
                raise ValidationFailed(fields={"skills": [_("Each skill needs a service type and a level 1–3.")]})
            key = (category.pk if category else None, service_type)
            if key in seen:
                raise ValidationFailed(fields={"skills": [_("A skill is listed twice.")]})
            seen.add(key)
    if profile is None:
        profile = TechnicianProfile.objects.create(user=technician, **data)
        changes = {"technician": [None, technician.pk]}
    else:
        changes = diff_fields(profile, data)
        profile.save()
    if regions is not None:
        before = sorted(profile.regions.values_list("pk", flat=True))
        profile.regions.set(regions)
        after = sorted(r.pk for r in regions)
        if before != after:
            changes["regions"] = [before, after]
    if skills is not None:
        before = sorted(profile.skills.values_list("category_id", "service_type", "level"), key=_skill_key)
        profile.skills.all().delete()
        TechnicianSkill.objects.bulk_create(
            [
                TechnicianSkill(profile=profile, category=category, service_type=service_type, level=int(level))
                for category, service_type, level in skills
            ]
        )
        after = sorted(((c.pk if c else None, s, int(lv)) for c, s, lv in skills), key=_skill_key)
        if [tuple(x) for x in before] != after:
            changes["skills"] = [[list(x) for x in before], [list(x) for x in after]]
    audit_record(actor=actor, action="technician_profile.save", obj=profile, changes=changes)
    return profile


@transaction.atomic
def absence_add(*, actor, profile: TechnicianProfile, start: dt.date, end: dt.date, reason: str, note: str = ""):
    if not technician_can_edit(actor, profile.user):
        raise PermissionDeniedError()
    from ..choices import AbsenceReason

    if reason not in AbsenceReason.values:
        raise ValidationFailed(fields={"reason": [_("Unknown reason.")]})
    if end < start:
        raise ValidationFailed(fields={"end": [_("The absence must end on or after its first day.")]})
    absence = TechnicianAbsence.objects.create(profile=profile, start=start, end=end, reason=reason, note=note[:200])
    audit_record(
        actor=actor,
        action="technician_absence.add",
        obj=profile,
        changes={"absence": [None, f"{start}..{end} {reason}"]},
    )
    return absence
