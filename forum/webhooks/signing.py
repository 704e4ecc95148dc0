"""The X-Parley-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
"<t>.<raw body>", keyed with the webhook's secret. Signing the timestamp with the body
lets a receiver refuse a captured request replayed later."""

import hashlib
import hmac
import secrets

SECRET_BYTES = 32


def secret_generate() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
