#!/usr/bin/python3
"""A webhook receiver for the notifications tests: every POST is stored as
DIR/<n>.req, the lower-cased headers ("name: value" lines), an empty line,
then the body as received. Answers 204, or 503 while DIR/fail exists, or a
307 redirect to the URL DIR/redirect holds while it exists (nothing stored).

    webhook_sink.py --port 8099 --dir DIR
"""
import argparse
import itertools
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seq = itertools.count(1)


def make_handler(directory):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if os.path.exists(os.path.join(directory, "fail")):
                self.send_response(503)
                self.end_headers()
                return
            redirect = os.path.join(directory, "redirect")
            if os.path.exists(redirect):
                with open(redirect) as f:
                    location = f.read().strip()
                self.send_response(307)
                self.send_header("Location", location)
                self.end_headers()
                return
            n = next(seq)
            tmp = os.path.join(directory, ".%d.tmp" % n)
            with open(tmp, "wb") as f:
                f.write(("path: %s\n" % self.path).encode())
                for k, v in self.headers.items():
                    f.write(("%s: %s\n" % (k.lower(), v)).encode())
                f.write(b"\n" + body)
            os.rename(tmp, os.path.join(directory, "%d.req" % n))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.dir)).serve_forever()


if __name__ == "__main__":
    main()
