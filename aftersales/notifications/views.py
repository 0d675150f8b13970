"""The inbox page and the nav's unread count (loaded by htmx, so other pages keep their
query counts)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core.ranges import parse_id

from .selectors import notification_inbox, notification_unread_count
from .services import notification_mark_read


@require_GET
@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    context = {
        "notifications": notification_inbox(request.user, unread_only=unread_only),
        "unread_only": unread_only,
        "unread": notification_unread_count(request.user),
    }
    return render(request, "notifications/inbox.html", context)


@require_GET
@login_required
def unread_badge(request):
    count = notification_unread_count(request.user)
    if not count:
        return HttpResponse("")
    return HttpResponse(
        format_html(
            '<span class="badge rounded-pill text-bg-danger" id="notification-count" title="{}">{}</span>',
            _("%(n)d unread") % {"n": count},
            count if count < 100 else "99+",
        )
    )


@require_POST
@login_required
def mark_read(request):
    if request.POST.get("all") == "1":
        notification_mark_read(user=request.user)
    else:
        ids = [n for n in map(parse_id, request.POST.getlist("id")) if n]
        notification_mark_read(user=request.user, ids=ids)
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("notifications:inbox")
