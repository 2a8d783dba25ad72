from django.urls import path, re_path

from .exports import views as exports
from .statistics.views import statistics_export_view, statistics_view

urlpatterns = [
    # exports: /demandes/export.<fmt>
    re_path(r"^demandes/export\.(?P<fmt>csv|xlsx|ods)$", exports.request_export_view, name="request-export"),
    path("demandes/exports/<uuid:token>/", exports.export_job_view, name="export-job"),
    path("demandes/exports/<uuid:token>/fichier", exports.export_job_download_view, name="export-job-download"),
    # statistics: /statistiques/
    path("statistiques/", statistics_view, name="statistics"),
    re_path(r"^statistiques/export\.(?P<fmt>csv|xlsx|ods)$", statistics_export_view, name="statistics-export"),
]
