from django_tasks import task


@task()
def export_job_task(job_id: int) -> str:
    """Build the file of one ExportJob (the worker's side of a large export)."""
    from .jobs import export_job_run

    return export_job_run(job_id)
