import logging
import signal
import threading

from django.core.management.base import BaseCommand

from eusp.core.schedule import daily_jobs_run
from eusp.notifications.delivery import outbox_flush, worker_id_default

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Le planificateur du worker : envoie les courriels dus de l'outbox (nouveaux essais compris) "
        "et lance les tâches quotidiennes (relances automatiques, récapitulatifs) une fois par jour. "
        "Sans option : un passage (pour cron, toutes les quelques minutes). Avec --loop : un processus "
        "qui repasse toutes les --interval secondes, à lancer à côté de db_worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Repasser indéfiniment (arrêt par SIGTERM ou Ctrl-C).")
        parser.add_argument("--interval", type=float, default=15.0, help="Secondes entre deux passages (--loop).")

    def handle(self, *args, loop: bool, interval: float, **options):
        self.verbosity = options["verbosity"]
        self.worker_id = worker_id_default()
        if not loop:
            self._tick()
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Planificateur : passage toutes les {interval:g} s (Ctrl-C pour arrêter).")
        while not stop.is_set():
            try:
                self._tick()
            except Exception:
                # The database away for a moment must not end the process: try again later.
                logger.exception("scheduler: pass failed")
            stop.wait(interval)

    def _tick(self) -> None:
        sent = outbox_flush(worker_id=self.worker_id)
        if sent or self.verbosity > 1:
            self.stdout.write(f"{sent} courriel(s) envoyé(s).")
        for job in daily_jobs_run(worker_id=self.worker_id):
            self.stdout.write(f"Tâche quotidienne « {job} » effectuée.")
