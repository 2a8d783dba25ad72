"""Mail as staff may read it in the queue: the secret part of a password link hidden."""

import re

# /compte/mot-de-passe/<uidb64>/<token>/: a live link would let whoever reads the queue
# set that account's password.
PASSWORD_LINK = re.compile(r"(/compte/mot-de-passe/)[^/\s\"'<>]+/[^/\s\"'<>]+/?")


def password_links_hidden(text: str) -> str:
    return PASSWORD_LINK.sub(r"\1…", text or "")
