"""Spreadsheets above EUSP_EXPORT_SYNC_MAX_ROWS are built by the worker (the immediate
task backend here): the user waits on a page that then offers the file — to them only,
for a day — and the daily purge deletes it. CSV always streams."""

import datetime
import io
from html import unescape

import openpyxl
import pytest
from django.utils import timezone

from eusp.reporting.exports import jobs
from eusp.reporting.exports.jobs import export_job_run, export_jobs_purge
from eusp.reporting.models import ExportJob
from tests.factories import AgentFactory, CentralFactory, ServiceRequestFactory

from .test_exports import FORMATS, body, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EUSP_EXPORT_SYNC_MAX_ROWS = 2
    return settings.MEDIA_ROOT


@pytest.fixture
def three(central, voirie):
    return [ServiceRequestFactory(created_by=central, subject=f"S{n}", instructing_service=voirie) for n in range(3)]


def _ask(client, fmt, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/demandes/export.{fmt}", params)
    return response


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_large_spreadsheet_is_built_by_the_worker_and_offered_when_ready(
    client, central, three, media, fmt, django_capture_on_commit_callbacks
):
    client.force_login(central)
    response = _ask(client, fmt, django_capture_on_commit_callbacks, sort="reference")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.owner, job.fmt, job.query, job.status, job.rows) == (central, fmt, "sort=reference", "done", 3)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Votre export est prêt." in page
    assert f"/demandes/exports/{job.token}/fichier" in page
    download = client.get(f"/demandes/exports/{job.token}/fichier")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="demandes-{timezone.localdate():%Y-%m-%d}.{fmt}"'
    _header, *rows = read(fmt, body(download))
    assert [row[0] for row in rows] == [sr.reference for sr in three]
    assert job.file.name.startswith("exports/") and (media / job.file.name).exists()


def test_small_spreadsheets_and_every_csv_come_at_once(client, central, three, media, settings):
    client.force_login(central)
    assert client.get("/demandes/export.csv").status_code == 200  # 3 rows, above the limit: streamed
    settings.EUSP_EXPORT_SYNC_MAX_ROWS = 3
    response = client.get("/demandes/export.xlsx")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(body(response))).active.max_row == 4
    assert not ExportJob.objects.exists()


def test_the_waiting_page_polls_until_ready(client, central, three, media, django_capture_on_commit_callbacks):
    client.force_login(central)
    client.get("/demandes/export.xlsx")  # the task is not run: its commit is never captured
    job = ExportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Votre export est en préparation" in page
    assert 'hx-trigger="load delay:3s"' in page
    assert client.get(f"/demandes/exports/{job.token}/fichier").status_code == 404  # not ready
    export_job_run(job.pk)
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="export-status"')
    assert "hx-trigger" not in partial and "Votre export est prêt." in partial
    assert export_job_run(job.pk) == "skipped"  # a task run twice builds once


@pytest.mark.parametrize("status", [ExportJob.Status.PENDING, ExportJob.Status.RUNNING])
def test_a_job_left_unfinished_by_a_dead_worker_stops_waiting_and_says_so(client, central, status, settings):
    settings.EUSP_EXPORT_ABANDONED_MINUTES = 60
    client.force_login(central)
    recent = ExportJob.objects.create(owner=central, fmt="xlsx", status=status)
    old = ExportJob.objects.create(
        owner=central, fmt="xlsx", status=status, created_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    polling = 'hx-trigger="load delay:3s"'
    waiting = unescape(client.get(recent.get_absolute_url()).content.decode())
    assert "Votre export est en préparation" in waiting and polling in waiting
    abandoned = unescape(client.get(old.get_absolute_url()).content.decode())
    assert "L'export n'a pas pu être préparé" in abandoned and polling not in abandoned
    assert client.get(f"/demandes/exports/{old.token}/fichier").status_code == 404


def test_another_user_never_gets_someone_elses_export(
    client, central, three, media, django_capture_on_commit_callbacks
):
    client.force_login(central)
    _ask(client, "xlsx", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    for other in (CentralFactory(username="autre-central"), AgentFactory(username="autre-agent")):
        client.force_login(other)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(f"/demandes/exports/{job.token}/fichier").status_code == 404
    client.logout()
    assert client.get(f"/demandes/exports/{job.token}/fichier").status_code == 302  # to the login page


def test_the_worker_builds_what_the_owner_may_see(
    client, agent, voirie, central, media, django_capture_on_commit_callbacks
):
    mine = [ServiceRequestFactory(created_by=central, instructing_service=voirie) for _ in range(3)]
    ServiceRequestFactory(created_by=central, instructing_service=None)
    client.force_login(agent)
    _ask(client, "ods", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    header, *rows = read("ods", body(client.get(f"/demandes/exports/{job.token}/fichier")))
    assert sorted(row[0] for row in rows) == sorted(sr.reference for sr in mine)
    assert "Nom" not in header and "E-mail" not in header


def test_a_failed_build_says_so(client, central, three, media, monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(jobs, "write_file", broken)
    client.force_login(central)
    _ask(client, "xlsx", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert (job.status, job.error) == ("failed", "OSError: disk full")
    assert "L'export n'a pas pu être préparé." in client.get(job.get_absolute_url()).content.decode()


def test_a_queue_that_refuses_the_task_fails_the_job(
    client, central, three, media, monkeypatch, django_capture_on_commit_callbacks
):
    class Refusing:
        def enqueue(self, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(jobs, "export_job_task", Refusing())
    client.force_login(central)
    _ask(client, "xlsx", django_capture_on_commit_callbacks)
    assert ExportJob.objects.get().status == "failed"


def test_files_are_offered_a_day_then_purged(client, central, three, media, django_capture_on_commit_callbacks):
    client.force_login(central)
    _ask(client, "xlsx", django_capture_on_commit_callbacks)
    _ask(client, "ods", django_capture_on_commit_callbacks)
    old, recent = ExportJob.objects.order_by("pk")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert client.get(f"/demandes/exports/{old.token}/fichier").status_code == 404
    assert "n'est plus disponible" in client.get(old.get_absolute_url()).content.decode()
    path = media / old.file.name
    assert path.exists()
    assert export_jobs_purge() == "1 export(s) deleted"
    assert not path.exists()
    assert list(ExportJob.objects.all()) == [recent]
    assert (media / recent.file.name).exists()


def test_the_purge_is_a_daily_job(settings):
    assert settings.EUSP_DAILY_JOBS["exports_purge"][0] == "eusp.reporting.exports.jobs.export_jobs_purge"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_offers_its_exports(client, central, three, fmt):
    client.force_login(central)
    page = client.get("/demandes/", {"sort": "reference", "state": "", "apres": "x"}).content.decode()
    assert f'href="/demandes/export.{fmt}?sort=reference&amp;state="' in page
    archives = client.get("/archives/").content.decode()
    assert f'href="/demandes/export.{fmt}?archives=1"' in archives
    partial = client.get("/archives/", {"sort": "due"}, headers={"HX-Request": "true"}).content.decode()
    assert f'href="/demandes/export.{fmt}?sort=due&amp;archives=1"' in partial
    search = client.get("/demandes/recherche/", {"archives": "tout"}).content.decode()
    assert f'href="/demandes/export.{fmt}?archives=tout"' in search
