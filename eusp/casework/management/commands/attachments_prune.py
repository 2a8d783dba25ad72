"""Delete stored attachment files that no row points to.

``attachment_add`` removes the file itself when its own transaction fails; what
is left for this command is a file whose row never got committed because the
process died, or because a caller's enclosing transaction was rolled back. The
grace period keeps files of uploads still in flight.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from eusp.casework.models import Attachment

ROOT = "attachments"


class Command(BaseCommand):
    help = "Supprime les fichiers de pièces jointes qu'aucune pièce jointe ne référence."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=int, default=24)
        parser.add_argument("--dry-run", action="store_true", help="Liste les fichiers sans les supprimer.")

    def handle(self, *args, older_than_hours, dry_run, **options):
        storage = Attachment._meta.get_field("file").storage
        cutoff = timezone.now() - timedelta(hours=older_than_hours)
        try:
            folders, _files = storage.listdir(ROOT)
        except FileNotFoundError:
            return
        removed = 0
        # One folder (year) at a time bounds the set of known names held in memory.
        for folder in sorted(folders):
            prefix = f"{ROOT}/{folder}/"
            known = set(Attachment.objects.filter(file__startswith=prefix).values_list("file", flat=True))
            for name in storage.listdir(prefix)[1]:
                path = prefix + name
                if path in known or storage.get_modified_time(path) > cutoff:
                    continue
                self.stdout.write(path)
                if not dry_run:
                    storage.delete(path)
                removed += 1
        verb = "à supprimer" if dry_run else "supprimé(s)"
        self.stdout.write(f"{removed} fichier(s) orphelin(s) {verb}.")
