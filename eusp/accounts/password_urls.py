from django.urls import path

from . import password_views

# Spliced into the "accounts" namespace at the site root (eusp/accounts/urls.py).
urlpatterns = [
    path("compte/mot-de-passe-oublie/", password_views.password_forgotten_view, name="password-forgotten"),
    path("compte/mot-de-passe/<uidb64>/<token>/", password_views.password_set_view, name="password-set"),
]
