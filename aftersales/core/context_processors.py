from django.conf import settings


def navigation(request):
    return {"APP_NAME": settings.APP_NAME, "LANGUAGES": settings.LANGUAGES}
