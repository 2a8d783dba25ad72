from .city_settings import city_settings


def site(request):
    return {"city_name": city_settings().city_name}
