from django.contrib.auth import views as auth_views
from django.urls import path

from . import password_urls, two_factor_urls, views

app_name = "accounts"
urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("compte/", views.preferences_view, name="preferences"),
    *password_urls.urlpatterns,
    *two_factor_urls.urlpatterns,
]
