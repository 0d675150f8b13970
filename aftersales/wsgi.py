import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
application = get_wsgi_application()


def _settle() -> None:
    """Load the URL patterns (every view and API module) now, then move everything loaded so far
    out of the garbage collector's reach (``gc.freeze``): the objects of a started app live as
    long as the process, and the collector's full passes no longer walk them on every request
    burst."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the views
    gc.collect()
    gc.freeze()


_settle()
