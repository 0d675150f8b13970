"""Telling people: the technician about an offer (who/where/when/what), the customer about visit times.

Messages go out after commit through Huey tasks. The technician gets the offer in his in-app inbox (and by
e-mail when he has an address) and sees every pending offer on "My day"; customers are told by e-mail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _


def on_commit_offer(offer_id: int) -> None:
    from .tasks import offer_notify_task

    transaction.on_commit(lambda: offer_notify_task(offer_id))


def on_commit_customer(request_id: int, subject: str, body: str) -> None:
    from .tasks import customer_notify_task

    subject, body = str(subject), str(body)
    transaction.on_commit(lambda: customer_notify_task(request_id, subject, body))


def offer_message(offer) -> tuple[str, str]:
    """Who / where / when / what of a job offer."""
    sr = offer.request
    lines = [
        _("Job %(number)s: %(type)s, priority %(priority)s.")
        % {"number": sr.number, "type": sr.get_service_type_display(), "priority": sr.get_priority_display()},
        _("Customer: %(name)s, %(phone)s") % {"name": sr.contact_name or sr.customer.name, "phone": sr.contact_phone},
        _("Address: %(address)s") % {"address": sr.address or "—"},
        _("Problem: %(text)s") % {"text": sr.description[:300]},
    ]
    if offer.expires_at:
        lines.append(
            _("Please accept or decline by %(time)s.")
            % {"time": timezone.localtime(offer.expires_at).strftime("%Y-%m-%d %H:%M")}
        )
    return _("New job %(number)s") % {"number": sr.number}, "\n".join(lines)


def offer_send(offer) -> bool:
    """The technician's inbox gets the offer, and his e-mail too when he has an address."""
    from aftersales.notifications.models import Verb
    from aftersales.notifications.services import Draft, notify

    tech = offer.technician
    if tech is None:
        return False
    subject, body = offer_message(offer)
    with transaction.atomic():
        notify(
            [
                Draft(
                    recipient=tech,
                    verb=Verb.DISPATCH_OFFER,
                    text=body,
                    request=offer.request,
                    email=True,
                    subject=subject,
                )
            ]
        )
    return True


def customer_send(request, subject: str, body: str) -> bool:
    email = request.customer.email
    if not email:
        return False
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
    return True
