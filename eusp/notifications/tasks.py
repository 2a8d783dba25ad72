from django_tasks import task

from .delivery import outbox_flush


@task()
def outbox_deliver_task(message_id: int | None = None) -> int:
    """Deliver the due mail; ``message_id`` names the mail that asked for it (for the
    task's record), the flush takes it and any other due mail. Returns how many were sent."""
    return outbox_flush()
