"""Signed playback tokens (auth/include/fanout/playback_token.h) written
again in Python, for the tests and the benchmarks: a keys file line
("kid hexsecret") and a scope make kid.exp.p.<base64url HMAC-SHA256>."""
import base64
import hashlib
import hmac


def sign(key_line, app, stream, exp):
    """An unbound token for app/stream (a scope) with that key."""
    kid, secret = key_line.split()
    msg = f"fanout-play-1\n{app}/{stream}\n{exp}\n{kid}\np\n".encode()
    mac = hmac.new(bytes.fromhex(secret), msg, hashlib.sha256).digest()
    return f"{kid}.{exp}.p." + base64.urlsafe_b64encode(mac).decode()[:43]
