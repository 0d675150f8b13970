"""Admin for organizations, users and API tokens.

Users are created through ``accounts.services.user_create`` and tokens through
``api_token_create``; a token's secret is shown once, on the page right after creation,
and is never stored.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.core.formfields import DATE_FORMFIELDS

from .choices import Role
from .forms import ApiTokenCreateForm, UserAdminChangeForm, UserAdminCreationForm
from .models import ApiToken, Organization, User
from .services import api_token_create, api_token_revoke, user_create


def _adopt(obj, created) -> None:
    """Make the admin's unsaved ``obj`` stand for the row a service created."""
    obj.pk = created.pk
    obj._state.adding = False
    obj.refresh_from_db()


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "phone")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role"), {"fields": ("role", "organization")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "email", "phone", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Role"), {"fields": ("role", "organization")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "email", "phone")}),
    )
    list_display = ("username", "display_name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "organization", "is_active", "is_staff")
    list_select_related = ("organization",)
    search_fields = ("username", "first_name", "last_name", "email", "phone")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        password = data.get("password1") if data.get("set_usable_password", True) else None
        created = user_create(
            actor=request.user,
            username=data["username"],
            password=password or None,
            role=data["role"],
            organization=data.get("organization"),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
        )
        _adopt(obj, created)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are read-only here: create one (the secret is shown once) or revoke it."""

    formfield_overrides = DATE_FORMFIELDS

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "valid")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke"]
    view_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    add_form = ApiTokenCreateForm

    @admin.display(boolean=True, description=_("valid"))
    def valid(self, obj):
        return obj.is_valid

    def get_fields(self, request, obj=None):
        return ("user", "name", "expires_at") if obj is None else self.view_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.view_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def has_add_permission(self, request):
        # api_token_create lets only administrators make tokens for other users.
        return super().has_add_permission(request) and request.user.has_role(Role.ADMIN)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_role(Role.ADMIN)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        token, secret = api_token_create(
            actor=request.user, user=data["user"], name=data["name"], expires_at=data.get("expires_at")
        )
        _adopt(obj, token)
        request._api_token_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_api_token_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API token created"),
            "token": obj,
            "secret": secret,
        }
        response = TemplateResponse(request, "admin/accounts/apitoken/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=request.user, token=token)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )
