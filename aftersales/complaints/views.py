"""Complaint pages (work in progress)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from aftersales.core.permissions import roles_required

from .models import Complaint
from .permissions import READ_ROLES, complaint_list_for


@roles_required(READ_ROLES)
def worklist(request):
    return render(request, "complaints/worklist.html", {"complaints": complaint_list_for(request.user)[:50]})


@roles_required(READ_ROLES)
def detail(request, pk: int):
    complaint = complaint_list_for(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    return render(request, "complaints/detail.html", {"complaint": complaint})


def track(request, token: str):
    complaint = Complaint.objects.filter(token=token).first()
    if complaint is None:
        raise Http404
    return render(request, "complaints/track.html", {"complaint": complaint})
