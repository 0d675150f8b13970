"""Telling people: the technician about an offer (who/where/when/what), the customer about visit times.

Every message is an outbox row written in the transaction of the step that caused it
(``aftersales.notifications``): the technician gets the offer in his in-app inbox (and by
e-mail when he has an address) and sees every pending offer on "My day"; customers are
told by e-mail. Texts are message kinds (``dispatch/messages.py``) rendered in the
recipient's language; the outbox worker delivers the e-mails with retries.
"""

from __future__ import annotations

from aftersales.notifications.models import Channel
from aftersales.notifications.services import message_send


def offer_tell(offer) -> bool:
    """The technician's inbox gets the offer, and his e-mail too when he has an address."""
    tech = offer.technician
    if tech is None:
        return False
    sr = offer.request
    params = {
        "number": sr.number,
        "type": sr.service_type,
        "priority": sr.priority,
        "customer": sr.contact_name or sr.customer.name,
        "phone": sr.contact_phone,
        "address": str(sr.address) if sr.address_id else "—",
        "problem": sr.description[:300],
    }
    if offer.expires_at:
        params["deadline"] = offer.expires_at
    message_send(
        key="dispatch.offer" if offer.expires_at else "dispatch.offer_open",
        params=params,
        to=[tech],
        channels=(Channel.IN_APP, Channel.EMAIL),
        link=sr,
    )
    return True


def customer_tell(request, key: str, **params) -> bool:
    """An e-mail to the request's customer (if there is an address), in the site's language."""
    email = (request.customer.email or "").strip()
    if not email:
        return False
    message_send(
        key=key,
        params={"number": request.number, **params},
        to=[email],
        channels=(Channel.EMAIL,),
        link=request,
        url="",
    )
    return True
