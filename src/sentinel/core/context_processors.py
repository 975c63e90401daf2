from django.conf import settings
from django.http import HttpRequest


def sentinel(request: HttpRequest) -> dict[str, object]:
    return {"demo": settings.DEMO}
