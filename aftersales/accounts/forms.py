"""Admin forms for users and API tokens."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .choices import OrganizationKind, Role
from .models import ApiToken, User


def _check_role_organization(form: forms.ModelForm) -> None:
    """The same rules as ``accounts.services.user_create``, shown at the fields."""
    role = form.cleaned_data.get("role")
    organization = form.cleaned_data.get("organization")
    if role and role != Role.CUSTOMER and organization is None:
        form.add_error("organization", _("Staff belong to an organization."))
    if role == Role.PARTNER and organization is not None and organization.kind != OrganizationKind.PARTNER:
        form.add_error("organization", _("Partner staff belong to a service partner."))


class UserAdminCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role", "organization", "last_name", "first_name", "email", "phone")

    def clean(self):
        cleaned = super().clean()
        _check_role_organization(self)
        return cleaned


class UserAdminChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self):
        cleaned = super().clean()
        _check_role_organization(self)
        return cleaned


class ApiTokenCreateForm(forms.ModelForm):
    """Who the token acts as, a name, and an optional expiry. The secret is generated."""

    class Meta:
        model = ApiToken
        fields = ("user", "name", "expires_at")
