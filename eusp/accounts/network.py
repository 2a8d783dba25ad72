"""The client's IP address, as the login lockout counts it."""

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    """The address of whoever sent the request, behind the reverse proxy if there is one.

    Behind the proxy, REMOTE_ADDR is the proxy's own address: every user would share one
    IP and the (username, IP) lockout would become a lockout by username alone, which
    anyone could trigger against a colleague. A deployment that declares its proxy
    (``SECURE_PROXY_SSL_HEADER``, set in production) trusts that proxy's
    X-Forwarded-For, and only its right-most entry: the proxy appends the address it
    received the connection from, while anything to its left came from the client and
    can be forged. Without a declared proxy the header is ignored, since any client
    could then choose its address and escape the lockout.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
