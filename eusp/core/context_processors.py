from django.conf import settings


def site(request):
    return {"city_name": settings.EUSP_CITY_NAME}
