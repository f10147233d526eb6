"""A minimal asyncio HTTP/1.1 client for the viewer simulator: GET only,
keep-alive, Content-Length, chunked or close-delimited bodies.  One
Connection per viewer and host, as a player has; bodies are counted and
only kept when asked (playlists), so segments cost no memory."""
import asyncio
import time
import urllib.parse


class HttpError(Exception):
    pass


class Response:
    __slots__ = ("status", "headers", "body", "size", "ttfb", "elapsed")

    def __init__(self, status, headers, body, size, ttfb, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.size = size            # body bytes received
        self.ttfb = ttfb            # seconds to the status line
        self.elapsed = elapsed      # seconds to the last byte


class Connection:
    """A keep-alive connection to one host:port, reopened when needed."""

    def __init__(self, host, port, timeout):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.reader = None
        self.writer = None
        self.requests = 0           # on the current connection

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (OSError, asyncio.CancelledError):
                pass
        self.reader = self.writer = None

    async def get(self, target, headers, keep_body):
        """GET target (path?query).  A reused connection the server closed
        meanwhile is retried once on a new one; other failures raise
        HttpError (timeouts included, bounded by self.timeout)."""
        for attempt in (0, 1):
            reused = self.writer is not None and self.requests > 0
            try:
                return await asyncio.wait_for(
                    self._get(target, headers, keep_body), self.timeout)
            except asyncio.TimeoutError:
                await self.close()
                raise HttpError(f"timeout after {self.timeout}s")
            except (OSError, asyncio.IncompleteReadError, HttpError) as e:
                await self.close()
                if not reused or attempt == 1:
                    raise HttpError(str(e) or type(e).__name__)
        raise HttpError("unreachable")

    async def _get(self, target, headers, keep_body):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port)
            self.requests = 0
        t0 = time.monotonic()
        head = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()
        self.requests += 1

        line = await self.reader.readline()
        if not line:
            raise HttpError("connection closed before the status line")
        ttfb = time.monotonic() - t0
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {line[:60]!r}")
        status = int(parts[1])
        hdrs = {}
        while True:
            line = await self.reader.readline()
            if not line:
                raise HttpError("connection closed in the headers")
            if line in (b"\r\n", b"\n"):
                break
            k, _, v = line.decode("latin-1").partition(":")
            hdrs[k.strip().lower()] = v.strip()

        chunks = [] if keep_body else None
        size = 0
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            while True:
                n = int((await self.reader.readline()).split(b";")[0], 16)
                if n == 0:
                    while (await self.reader.readline()) not in (b"\r\n",
                                                                 b"\n", b""):
                        pass
                    break
                size += await self._body(n, chunks)
                await self.reader.readexactly(2)
        elif "content-length" in hdrs:
            size = await self._body(int(hdrs["content-length"]), chunks)
        else:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                size += len(data)
                if chunks is not None:
                    chunks.append(data)
            hdrs["connection"] = "close"

        if hdrs.get("connection", "").lower() == "close":
            await self.close()
        body = b"".join(chunks) if chunks is not None else None
        return Response(status, hdrs, body, size, ttfb,
                        time.monotonic() - t0)

    async def _body(self, n, chunks):
        left = n
        while left:
            data = await self.reader.read(min(left, 262144))
            if not data:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(data)
            if chunks is not None:
                chunks.append(data)
        return n


class Client:
    """A viewer's connections, one per host:port."""

    def __init__(self, timeout, headers):
        self.timeout = timeout
        self.headers = headers
        self.conns = {}

    async def get(self, url, keep_body=False):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http":
            raise HttpError(f"only http:// URLs: {url}")
        key = (u.hostname, u.port or 80)
        conn = self.conns.get(key)
        if conn is None:
            conn = self.conns[key] = Connection(key[0], key[1], self.timeout)
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        return await conn.get(target, self.headers, keep_body)

    async def close(self):
        for c in self.conns.values():
            await c.close()
