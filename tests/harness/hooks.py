"""A listenerHookURL receiver on loopback for the tests: it records Ant
Media's form posts (each as a dict of its fields), in arrival order."""
import http.server
import threading
import urllib.parse


class Hooks:
    def __init__(self, host="127.0.0.1"):
        got = self.got = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(n).decode())
                got.append({k: v[0] for k, v in form.items()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        self.url = f"http://{host}:{self.server.server_address[1]}/hook"

    def actions(self, stream=None):
        """The posts' actions, for one stream id or all."""
        return [g["action"] for g in self.got
                if stream is None or g.get("id") == stream]

    def close(self):
        self.server.shutdown()
