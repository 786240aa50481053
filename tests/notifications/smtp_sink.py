#!/usr/bin/python3
"""A test SMTP server (aiosmtpd) for the notifications tests, the benchmark and
`tools/dev up`'s local catch-all.

    smtp_sink.py --port 2525 --dir DIR [--log-only]
    SB_MAILSINK_PORT=2525 SB_MAILSINK_DIR=DIR smtp_sink.py      (as tools/dev runs it)

Every message accepted is written to DIR/<n>.eml (written aside, then renamed,
so a reader never sees half a file). With --log-only nothing is stored: one
line "<unix time> <X-Switchboard-Event> <size>" per message is appended to
DIR/received.log instead (the benchmark's mode).

Failure modes, switched on by files in DIR while it runs:
    DIR/reject-4xx   answer 451 to DATA (transient: the sender must retry)
    DIR/reject-5xx   answer 550 to DATA (permanent: a dead letter)
With --tls-cert/--tls-key it offers STARTTLS and requires it; with
--auth USER:PASS it requires AUTH (PLAIN/LOGIN, after STARTTLS).
Stop it with SIGTERM; start it again on the same port and directory to model
a server that went down and came back.
"""
import argparse
import asyncio
import itertools
import os
import re
import signal
import ssl
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

EVENT_RE = re.compile(rb"^X-Switchboard-Event: *(\S+)", re.M | re.I)


class Sink:
    def __init__(self, directory, log_only):
        self.dir = directory
        self.log_only = log_only
        existing = [int(n.split(".")[0]) for n in os.listdir(directory) if re.match(r"^\d+\.eml$", n)]
        self.seq = itertools.count(max(existing, default=0) + 1)
        self.log = open(os.path.join(directory, "received.log"), "ab", buffering=0) if log_only else None

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.dir, "reject-5xx")):
            return "550 5.7.1 Message refused by the test sink"
        if os.path.exists(os.path.join(self.dir, "reject-4xx")):
            return "451 4.3.0 Try again later (test sink)"
        data = envelope.original_content or b""
        if self.log_only:
            head = data[:4096]
            m = EVENT_RE.search(head)
            event = m.group(1) if m else b"-"
            self.log.write(b"%.6f %s %d\n" % (time.time(), event, len(data)))
        else:
            n = next(self.seq)
            tmp = os.path.join(self.dir, ".%d.tmp" % n)
            with open(tmp, "wb") as f:
                f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
                f.write(data)
            os.rename(tmp, os.path.join(self.dir, "%d.eml" % n))
        return "250 2.0.0 OK"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    # tools/dev starts it as a service, configured by environment.
    ap.add_argument("--port", type=int, default=int(os.environ.get("SB_MAILSINK_PORT", "0")) or None)
    ap.add_argument("--dir", default=os.environ.get("SB_MAILSINK_DIR"))
    ap.add_argument("--log-only", action="store_true")
    ap.add_argument("--reuse-port", action="store_true",
                    help="share the port with other sink processes (the benchmark runs several)")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--auth", help="USER:PASS required before MAIL")
    args = ap.parse_args()
    if not args.port or not args.dir:
        ap.error("--port and --dir are required (or SB_MAILSINK_PORT and SB_MAILSINK_DIR)")
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, args.log_only)
    options = {}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        options.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth.encode().split(b":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login == user and data.password == password
            return AuthResult(success=ok)

        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.tls_cert))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, data_size_limit=64 << 20, enable_SMTPUTF8=True, hostname="sink.test", **options),
        host=args.host, port=args.port, reuse_address=True, reuse_port=args.reuse_port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
