#!/usr/bin/python3
"""smtp_sink.py - a real local SMTP server for the mail tests (aiosmtpd).

  smtp_sink.py --dir DIR [--port N] [--host 127.0.0.1] [--tempfail N]
               [--reject ADDR]...

Listens on host:port (port 0: any free port), writes the bound port to
DIR/port once it accepts connections, and every message it accepts to
DIR/msg-NNNN.json as {"mail_from", "rcpt_tos", "data", "parsed"} (data: the
message exactly as received, decoded as UTF-8 with surrogate escapes),
written to a temporary name first and renamed, so a reader never sees half
a file. "parsed" is the message as Python's own email package reads it (not
our code): {subject, from, to, date, ctype, charset, cte, headers (names in
order), defects (count, parts included), max_line (longest line of data in
bytes, CRLF excluded), body (the decoded text of a text/* message, CRLF made
LF; null for a multipart one), parts ([{ctype, charset, cte, disposition,
body}] of a multipart message, in order, bodies decoded the same way)}, or
{"error": "..."} when it does not parse.
--tempfail N answers the first N DATA commands with 451 (a transient
failure, to test retries); --reject ADDR answers RCPT TO:<ADDR> with 550.
Runs until SIGTERM or SIGINT. Needs Debian's python3-aiosmtpd.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import sys

from aiosmtpd.smtp import SMTP


def text_of(part):
    if part.get_content_maintype() != "text":
        return None
    return part.get_content().replace("\r\n", "\n")


def parse(raw):
    """The message as the email package sees it (see the docstring)."""
    try:
        m = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        defects = len(m.defects)
        if m.is_multipart():
            for p in m.iter_parts():
                defects += len(p.defects)
                parts.append({"ctype": p.get_content_type(),
                              "charset": p.get_content_charset(),
                              "cte": str(p["content-transfer-encoding"]),
                              "disposition": p.get_content_disposition(),
                              "body": text_of(p)})
        lines = raw.split(b"\r\n")
        return {"subject": str(m["subject"]), "from": str(m["from"]),
                "to": str(m["to"]), "date": str(m["date"]),
                "ctype": m.get_content_type(), "charset": m.get_content_charset(),
                "cte": str(m["content-transfer-encoding"]),
                "headers": [k for k, v in m.items()], "defects": defects,
                "max_line": max(len(x) for x in lines),
                "body": None if m.is_multipart() else text_of(m),
                "parts": parts}
    except Exception as e:  # a test asserts on it; the sink stays up
        return {"error": "%s: %s" % (type(e).__name__, e)}


class Sink:
    def __init__(self, outdir, tempfail, reject):
        self.outdir = outdir
        self.tempfail = tempfail
        self.reject = {a.lower() for a in reject}
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfail > 0:
            self.tempfail -= 1
            return "451 4.3.0 try again later"
        self.n += 1
        data = envelope.original_content or envelope.content
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": raw.decode("utf-8", "surrogateescape"),
            "parsed": parse(raw),
        }
        path = os.path.join(self.outdir, "msg-%04d.json" % self.n)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
            json.dump(rec, f, ensure_ascii=True)
        os.rename(tmp, path)
        return "250 OK queued as %d" % self.n


async def serve(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(64)
    handler = Sink(args.dir, args.tempfail, args.reject or [])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, decode_data=False,
                     hostname="smtp-sink.test"),
        sock=sock)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    port = sock.getsockname()[1]
    tmp = os.path.join(args.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, os.path.join(args.dir, "port"))
    await stop
    server.close()
    await server.wait_closed()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tempfail", type=int, default=0)
    p.add_argument("--reject", action="append")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
