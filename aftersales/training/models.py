"""Training and drills (R-QA-2): courses with their recurrence and audience, sessions with
attendance and exam scores, and the certifications a passed course grants for a skill.

Statuses change only through ``services`` (``choices.SESSION_TRANSITIONS``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductCategory
from aftersales.core.messages import render
from aftersales.core.models import ChoiceLabels, TimeStampedModel
from aftersales.quality.models import Case
from aftersales.tickets.choices import ServiceType

from .choices import CourseFormat, CourseKind, Presence, Recurrence, SessionStatus


class Course(TimeStampedModel):
    """What is taught, how often each person must take it (``recurrence_months``: 1 monthly,
    3 quarterly, 6 half-yearly, 0 once), to whom (``audience``: roles), the exam's pass mark
    (none: attending is passing) and, optionally, the skill a pass certifies and for how long."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    format = models.CharField(_("format"), max_length=20, choices=CourseFormat.choices)
    description = models.TextField(_("description"), blank=True)
    recurrence_months = models.PositiveSmallIntegerField(_("recurrence"), choices=Recurrence.choices)
    audience = models.JSONField(_("audience (roles)"), default=list, blank=True)
    pass_score = models.PositiveSmallIntegerField(
        _("pass score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    certifies_service_type = models.CharField(
        _("certifies service type"), max_length=16, choices=ServiceType.choices, blank=True
    )
    certifies_category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("certifies product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    validity_months = models.PositiveSmallIntegerField(_("certification valid (months)"), null=True, blank=True)
    # A lapsed certification always keeps the skill's jobs from its holder; required: nobody without a
    # valid one gets them (never certified included).
    certification_required = models.BooleanField(_("certification required for the skill"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["kind", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CourseKind.values), name="training_course_kind_valid"),
            models.CheckConstraint(condition=models.Q(pass_score__lte=100), name="training_course_pass_max_100"),
            models.CheckConstraint(
                condition=models.Q(recurrence_months__in=Recurrence.values), name="training_course_recurrence_valid"
            ),
            # A course that certifies a skill says for how long; one that does not, does not.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        certifies_service_type="",
                        certifies_category__isnull=True,
                        validity_months__isnull=True,
                        certification_required=False,
                    )
                    | (~models.Q(certifies_service_type="") & models.Q(validity_months__gte=1))
                ),
                name="training_course_certification_whole",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:course_detail", args=[self.pk])

    @property
    def certifies(self) -> bool:
        return bool(self.certifies_service_type)

    @property
    def skill_label(self) -> str:
        if not self.certifies_service_type:
            return ""
        return skill_label(self.certifies_service_type, self.certifies_category)


def skill_label(service_type: str, category) -> str:
    """A skill in the reader's language: "Installation", "Installation · 热水器" (安装（热水器）)."""
    if category is None:
        return str(ServiceType(service_type).label) if service_type in ServiceType.values else service_type
    return render("training.skill", {"service_type": service_type, "category": str(category)})


class Session(TimeStampedModel):
    """One time a course is given (or a drill is run): when (Asia/Shanghai on the pages), by whom,
    where or online, the cases of the library it analyses, and the attendance."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MaxValueValidator(24 * 60)]
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    online = models.BooleanField(_("online"), default=False)
    cases = models.ManyToManyField(Case, verbose_name=_("cases analysed"), blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    notes = models.TextField(_("notes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["course", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SessionStatus.values), name="training_session_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="training_session_duration",
            ),
        ]

    def __str__(self):
        return f"{self.course} · {self.starts_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("training:session_detail", args=[self.pk])


class Attendance(ChoiceLabels, models.Model):
    """One person at one session: present, absent or excused; the exam score (0–100) and whether
    he passed (present, and the score reaches the course's pass mark when it has one)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    presence = models.CharField(_("attendance"), max_length=8, choices=Presence.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, validators=[MaxValueValidator(100)])
    passed = models.BooleanField(_("passed"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session_id", "person_id"]
        indexes = [models.Index(fields=["person", "passed"])]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_attendance_once"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="training_score_max_100"),
            models.CheckConstraint(condition=models.Q(presence__in=Presence.values), name="training_presence_valid"),
            # Nobody passes a session he did not attend.
            models.CheckConstraint(
                condition=models.Q(passed=False) | models.Q(presence=Presence.PRESENT), name="training_pass_present"
            ),
        ]


class Certification(TimeStampedModel):
    """A person may do one skill (a service type, on one product category or on any) until
    ``expires_on`` (not included: from that day on it has lapsed). Granted and renewed by passing
    a course that certifies the skill; one row per person and skill."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        Session, verbose_name=_("session"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_on = models.DateField(_("granted on"))
    expires_on = models.DateField(_("expires on"))
    # The expiry each notice was sent for: one reminder and one lapse notice per expiry.
    reminded_for = models.DateField(null=True, blank=True)
    lapse_told_for = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["expires_on"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "service_type", "category"], name="training_cert_once"),
            models.UniqueConstraint(
                fields=["person", "service_type"],
                condition=models.Q(category__isnull=True),
                name="training_cert_once_any_category",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("granted_on")), name="training_cert_expires_after"
            ),
        ]

    def __str__(self):
        return self.skill_label

    def get_absolute_url(self):
        return reverse("training:person", args=[self.person_id])

    @property
    def skill_label(self) -> str:
        return skill_label(self.service_type, self.category)
