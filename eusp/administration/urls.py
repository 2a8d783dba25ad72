from django.urls import path

from .access import administration_required
from .city import urls as city_urls
from .journal import urls as journal_urls
from .privacy import urls as privacy_urls
from .reference import urls as reference_urls
from .users import urls as users_urls
from .views import home, mail

app_name = "administration"
urlpatterns = [
    path("", home.home_view, name="home"),
    path("courriels/", mail.mail_list_view, name="mail-list"),
    path("courriels/renvoyer-les-echecs/", mail.mail_resend_failed_view, name="mail-resend-failed"),
    path("courriels/<int:pk>/", mail.mail_detail_view, name="mail-detail"),
    path("courriels/<int:pk>/renvoyer/", mail.mail_resend_view, name="mail-resend"),
    *users_urls.urlpatterns,
    *reference_urls.urlpatterns,
    *city_urls.urlpatterns,
    *privacy_urls.urlpatterns,
    *journal_urls.urlpatterns,
]

# The access rule wraps every page and action here, before any other check (a GET on a
# POST-only action is a 403 too, not a 405 that would answer for the central service).
for pattern in urlpatterns:
    pattern.callback = administration_required(pattern.callback)
