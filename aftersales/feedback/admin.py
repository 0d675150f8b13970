"""Survey templates and the follow-up policy, for administrators.

A published (or retired) version is read-only: answers point at it. "New draft from this
version" copies it; the draft is edited here (script, texts, reason codes, extra questions per
service type) and "Publish" puts it in use, retiring the previous one. Follow-ups, surveys and
remedies are read-only here (their pages and services change them)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import DomainError

from .choices import TemplateStatus
from .models import FeedbackPolicy, FollowUp, Remedy, Survey, SurveyQuestion, SurveyReason, SurveyTemplate
from .services import template_copy, template_publish


class _DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj) -> bool:
        return obj is not None and obj.status == TemplateStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class SurveyReasonInline(_DraftOnlyInline):
    model = SurveyReason
    fields = ["order", "code", "label", "min_score", "max_score", "opens_remedy", "remedy_kind", "complaint_category"]


class SurveyQuestionInline(_DraftOnlyInline):
    model = SurveyQuestion
    fields = ["order", "service_type", "text", "kind", "required"]


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ["version", "display_name", "status", "published_at", "updated_at"]
    list_filter = ["status"]
    fields = ["version", "status", "name", "call_script", "intro", "published_at"]
    readonly_fields = ["version", "status", "published_at"]
    inlines = [SurveyReasonInline, SurveyQuestionInline]
    actions = ["copy_as_draft", "publish"]

    def has_add_permission(self, request):
        return False  # a new version starts as a copy ("New draft from this version")

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.status == TemplateStatus.DRAFT and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != TemplateStatus.DRAFT:
            return [*self.readonly_fields, "name", "call_script", "intro"]
        return self.readonly_fields

    @admin.action(description=_("New draft from this version"))
    def copy_as_draft(self, request, queryset):
        for template in queryset:
            copy = template_copy(actor=request.user, template=template)
            self.message_user(request, _("Draft version %(v)s created.") % {"v": copy.version}, messages.SUCCESS)

    @admin.action(description=_("Publish (put in use)"))
    def publish(self, request, queryset):
        for template in queryset.order_by("version"):
            try:
                template_publish(actor=request.user, template=template)
            except DomainError as exc:
                self.message_user(request, f"v{template.version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Version %(v)s is in use.") % {"v": template.version}, messages.SUCCESS)


@admin.register(FeedbackPolicy)
class FeedbackPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "retry_after_hours", "max_attempts", "link_valid_hours", "remedy_overall_max"]

    def has_add_permission(self, request):
        return not FeedbackPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(_ReadOnlyAdmin):
    list_display = ["request", "kind", "status", "result", "agent", "due_by", "attempts", "on_time"]
    list_filter = ["status", "kind", "result"]
    search_fields = ["request__number"]
    list_select_related = ["request", "agent"]


@admin.register(Survey)
class SurveyAdmin(_ReadOnlyAdmin):
    list_display = ["request", "channel", "status", "overall", "recommend", "answered_at"]
    list_filter = ["status", "channel"]
    search_fields = ["request__number"]
    list_select_related = ["request"]
    exclude = ["token"]


@admin.register(Remedy)
class RemedyAdmin(_ReadOnlyAdmin):
    list_display = ["number", "request", "kind", "status", "due_at", "assignee", "outcome"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "request__number"]
    list_select_related = ["request", "assignee"]
