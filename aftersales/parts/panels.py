"""What parts adds to the pages of the apps below it (``dispatch.slots``); registered in ``apps.py``."""

from __future__ import annotations

from django.template.loader import render_to_string

from .selectors import parts_outlook


def suggestions_parts(request, sr, suggestions) -> str:
    """On the dispatcher's suggestions: per candidate, how many of the job's likely parts his van holds; under
    them, the parts and who carries them. Three queries, whatever the number of candidates."""
    outlook = parts_outlook(request.user, sr)
    if not outlook.parts:
        return ""
    for s in suggestions:
        van = outlook.in_van(s.technician_id)
        s.extras.append(render_to_string("parts/_suggestion_van.html", {"parts": outlook.parts, "van_parts": van}))
    return render_to_string("parts/_job_parts.html", {"sr": sr, "parts": outlook.parts}, request=request)
