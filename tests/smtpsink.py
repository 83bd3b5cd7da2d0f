# -*- coding: utf-8 -*-
"""A tiny real SMTP server for tests (127.0.0.1, a free port, its own thread): EHLO/HELO, AUTH PLAIN, MAIL, RCPT,
DATA, RSET, NOOP, QUIT. It keeps every mail it receives, so a test can read recipients, headers and attachments."""

from __future__ import (absolute_import, division, print_function)

import base64
import email
import socketserver
import threading
from email import policy


class Mail(object):
    def __init__(self, mail_from, rcpt_to, data, auth):
        self.mail_from = mail_from
        self.rcpt_to = rcpt_to
        self.data = data
        self.auth = auth
        self.message = email.message_from_bytes(data, policy=policy.default)

    def attachments(self):
        """{file name: (content type, bytes)}"""
        return dict((part.get_filename(), (part.get_content_type(), part.get_payload(decode=True)))
                    for part in self.message.iter_attachments())


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode('ascii') + b'\r\n')
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        mail_from, rcpt_to, auth = None, [], None
        self.reply('220 smtpsink ESMTP')
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode('utf-8', 'replace').rstrip('\r\n')
            sink.transcript.append(line)
            verb = line.split(' ', 1)[0].upper()
            if verb == 'EHLO':
                self.wfile.write(b'250-smtpsink\r\n' + (b'250-AUTH PLAIN\r\n' if sink.auth else b'')
                                 + b'250 8BITMIME\r\n')
                self.wfile.flush()
            elif verb == 'HELO':
                self.reply('250 smtpsink')
            elif verb == 'AUTH':
                parts = line.split()
                if len(parts) == 3 and parts[1].upper() == 'PLAIN':
                    fields = base64.b64decode(parts[2]).split(b'\0')
                    auth = (fields[1].decode('utf-8'), fields[2].decode('utf-8'))
                    if sink.auth and auth == sink.auth:
                        self.reply('235 2.7.0 Authentication successful')
                    else:
                        self.reply('535 5.7.8 Authentication credentials invalid')
                else:
                    self.reply('504 5.5.4 Only AUTH PLAIN with an initial response')
            elif verb == 'MAIL':
                mail_from, rcpt_to = line.split(':', 1)[1].strip().split(' ')[0].strip('<>'), []
                self.reply('250 OK')
            elif verb == 'RCPT':
                rcpt_to.append(line.split(':', 1)[1].strip().split(' ')[0].strip('<>'))
                self.reply('250 OK')
            elif verb == 'DATA':
                self.reply('354 End data with <CR><LF>.<CR><LF>')
                chunks = []
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b'.\r\n', b'.\n'):
                        break
                    chunks.append(data[1:] if data.startswith(b'..') else data)
                sink.mails.append(Mail(mail_from, rcpt_to, b''.join(chunks), auth))
                self.reply('250 OK: queued')
            elif verb in ('RSET', 'NOOP'):
                self.reply('250 OK')
            elif verb == 'QUIT':
                self.reply('221 Bye')
                return
            else:
                self.reply('502 5.5.2 Command not implemented')


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink(object):
    """with SmtpSink() as sink: ... sink.port ... sink.mails. auth=(user, password) demands AUTH PLAIN."""

    def __init__(self, auth=None):
        self.auth = auth
        self.mails = []
        self.transcript = []
        self.server = _Server(('127.0.0.1', 0), _Handler)
        self.server.sink = self
        self.host, self.port = self.server.server_address[:2]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs=dict(poll_interval=0.1))
        self.thread.daemon = True

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
