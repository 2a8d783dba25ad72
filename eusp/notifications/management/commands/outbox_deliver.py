import logging
import signal
import threading

from django.core.management.base import BaseCommand

from eusp.notifications.delivery import outbox_flush

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Envoie les courriels en attente de l'outbox. Sans option : un passage (pour cron). "
        "Avec --loop : un processus qui repasse toutes les --interval secondes, à lancer à côté de db_worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Repasser indéfiniment (arrêt par SIGTERM ou Ctrl-C).")
        parser.add_argument("--interval", type=float, default=15.0, help="Secondes entre deux passages (--loop).")
        parser.add_argument(
            "--max", dest="max_messages", type=int, default=None, help="Au plus ce nombre de courriels par passage."
        )

    def handle(self, *args, loop: bool, interval: float, max_messages: int | None, **options):
        self.verbosity = options["verbosity"]
        if not loop:
            self._flush(max_messages)
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Envoi des courriels toutes les {interval:g} s (Ctrl-C pour arrêter).")
        while not stop.is_set():
            try:
                self._flush(max_messages)
            except Exception:
                # The database away for a moment must not end the process: try again later.
                logger.exception("outbox_deliver: flush failed")
            stop.wait(interval)

    def _flush(self, max_messages: int | None) -> None:
        sent = outbox_flush(max_messages=max_messages)
        if sent or self.verbosity > 1:
            self.stdout.write(f"{sent} courriel(s) envoyé(s).")
