"""Print the demo accounts that still work, so whoever starts the demo knows how to log in."""

from django.conf import settings
from django.core.management.base import BaseCommand

from eusp.accounts.models import User
from eusp.casework.demo import city
from eusp.casework.demo.directory import DEMO_PASSWORD


def mail_destination() -> str:
    """Where mail goes, so a developer knows where to read it."""
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return f"Courriels : pas de serveur SMTP (EMAIL_HOST), ils sont écrits dans {settings.EMAIL_FILE_PATH}/"
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return f"Courriels : envoyés par le serveur SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    return f"Courriels : {settings.EMAIL_BACKEND}"


class Command(BaseCommand):
    help = "Affiche l'adresse d'e-USP et les comptes de démonstration encore valides."

    def handle(self, *args, **options):
        self.stdout.write(f"e-USP : {settings.EUSP_SITE_URL}")
        self.stdout.write(mail_destination())
        users = User.objects.filter(username__in=city.DEMO_LOGINS).prefetch_related("services")
        by_name = {u.username: u for u in users}
        # Only accounts whose password is still « demo »: a changed password is never hinted at.
        logins = [
            by_name[name]
            for name in city.DEMO_LOGINS
            if name in by_name and by_name[name].is_active and by_name[name].check_password(DEMO_PASSWORD)
        ]
        if not logins:
            return
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for user in logins:
            detail = user.get_profile_display()
            if user.is_superuser:
                detail += ", administrateur"
            services = ", ".join(s.name for s in user.services.all())
            if services:
                detail += f" — {services}"
            self.stdout.write(f"  {user.username:<8} {detail}")
