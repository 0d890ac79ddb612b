"""aiosmtpd handler for deloton's tests: a Maildir sink that can also fail on purpose.

    PYTHONPATH=scripts/testing python3 -m aiosmtpd -n -l 127.0.0.1:PORT \
        -c deloton_smtp_sink.Sink MODE MAILDIR

MODE is one of
    accept         store every message (like aiosmtpd.handlers.Mailbox)
    reject-rcpt    550 at RCPT TO      (permanent)
    tempfail-rcpt  450 at RCPT TO      (transient)
    reject-data    554 after DATA      (permanent)
    tempfail       451 after DATA      (transient)
    hang           never answer DATA   (client timeout)

Unlike Mailbox, which re-serialises the parsed message, the bytes are stored exactly as
received, after X-MailFrom / X-RcptTo / X-Peer lines, so tests can compare them byte for byte.
Files appear atomically in MAILDIR/new (written to MAILDIR/tmp, then renamed).
"""
import asyncio
import itertools
import os
import time

MODES = {"accept", "reject-rcpt", "tempfail-rcpt", "reject-data", "tempfail", "hang"}


class Sink:
    def __init__(self, mode, maildir):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {sorted(MODES)}")
        self.mode = mode
        self.maildir = maildir
        self.counter = itertools.count()
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 2:
            parser.error("deloton_smtp_sink.Sink needs MODE and MAILDIR")
        return cls(args[0], args[1])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "reject-rcpt":
            return "550 5.1.1 mailbox unavailable"
        if self.mode == "tempfail-rcpt":
            return "450 4.2.1 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "reject-data":
            return "554 5.7.1 message rejected"
        if self.mode == "tempfail":
            return "451 4.3.0 try again later"
        if self.mode == "hang":
            await asyncio.sleep(3600)
        head = (
            f"X-MailFrom: {envelope.mail_from}\r\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
            f"X-Peer: {session.peer[0]}\r\n"
        ).encode()
        name = f"{time.time_ns()}.{os.getpid()}.{next(self.counter)}.eml"
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head + envelope.original_content)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return "250 OK stored"
