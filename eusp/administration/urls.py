from django.urls import path

from .views import home, mail

app_name = "administration"
urlpatterns = [
    path("", home.home_view, name="home"),
    path("courriels/", mail.mail_list_view, name="mail-list"),
    path("courriels/renvoyer-les-echecs/", mail.mail_resend_failed_view, name="mail-resend-failed"),
    path("courriels/<int:pk>/", mail.mail_detail_view, name="mail-detail"),
    path("courriels/<int:pk>/renvoyer/", mail.mail_resend_view, name="mail-resend"),
]
