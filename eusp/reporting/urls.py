from django.urls import path  # noqa: F401

urlpatterns = [
    # exports: /demandes/export.<fmt>
    # statistics: /statistiques/
]
