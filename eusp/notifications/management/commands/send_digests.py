from django.core.management.base import BaseCommand

from eusp.notifications.digest import digests_send


class Command(BaseCommand):
    help = (
        "Écrit le récapitulatif quotidien de chaque utilisateur qui l'a choisi (le planificateur "
        "le fait chaque jour à EUSP_DIGEST_HOUR). Relancée, elle n'envoie rien deux fois."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Récapitulatifs écrits : {digests_send()}.")
