"""HS256 JWTs written in Python, for the tests: what Ant Media's clients
send (REST Authorization, stream tokens), made independently of the
origin's own signer (origin/src/core/jwt.h)."""
import base64
import hashlib
import hmac
import json


def b64url(raw):
    """base64url without padding (RFC 7515 2)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hs256(claims, key, alg="HS256"):
    """header.claims.HMAC-SHA256 with {"alg":alg,"typ":"JWT"}: another alg
    names what the header claims (a refusal test), not what signs."""
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(key.encode(), f"{head}.{body}".encode(),
                   hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"
