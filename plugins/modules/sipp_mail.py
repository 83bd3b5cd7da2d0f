#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_mail
short_description: Mail a SIPP report (text body and attached files) over SMTP
version_added: "0.1.0"
description:
  - Sends one mail with a plain text body and the given files attached (the HTML, CSV and JSON files of the
    C(pengadilan.sipp.report) role), to the Kasubbag Perencanaan, TI dan Pelaporan for instance.
  - "Meant to run on the controller (C(delegate_to: localhost), C(run_once: true)); it needs only Python's standard
    library (C(smtplib)), no collection from Galaxy."
  - In check mode nothing is sent and the result says what would be sent; a missing attachment is then only a
    warning, since an earlier task in check mode may not have written it.
  - The password is never returned or logged; it travels only inside the SMTP session. Use O(starttls=true) when
    the server is not on this machine, so the password and the report do not cross the network in clear text.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  smtp_host:
    description: SMTP server.
    type: str
    required: true
  smtp_port:
    description: SMTP port.
    type: int
    default: 25
  starttls:
    description: Switch the session to TLS with STARTTLS before logging in or sending; fails when the server does
      not offer it.
    type: bool
    default: false
  validate_certs:
    description: With O(starttls=true), check the server's certificate and name against the system's CA store.
    type: bool
    default: true
  username:
    description: User for SMTP authentication; without it no login is attempted.
    type: str
  password:
    description: Password for SMTP authentication.
    type: str
  mail_from:
    description: Sender address (C(From)).
    type: str
    required: true
  to:
    description: Recipients.
    type: list
    elements: str
    required: true
  cc:
    description: Copy recipients.
    type: list
    elements: str
    default: []
  subject:
    description: Subject (one line).
    type: str
    required: true
  body:
    description: The plain text body (UTF-8).
    type: str
    required: true
  attachments:
    description: Files on the controller to attach; their type is guessed from their name.
    type: list
    elements: path
    default: []
  timeout:
    description: Seconds to wait for the SMTP server at each step.
    type: int
    default: 30
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: Every run sends a new mail.
    support: none
  platform:
    platforms: posix
notes:
  - Addresses and the subject are refused when they hold a line break (header injection).
seealso:
  - module: community.general.mail
    description: The general-purpose mail module, when community.general is available.
'''

EXAMPLES = r'''
- name: Mail the report to the Kasubbag Perencanaan, TI dan Pelaporan
  pengadilan.sipp.sipp_mail:
    smtp_host: mail.pt-bandung.go.id
    smtp_port: 587
    starttls: true
    username: laporan-sipp
    password: "{{ vault_smtp_password }}"
    mail_from: laporan-sipp@pt-bandung.go.id
    to:
      - kasubbag.ptip@pt-bandung.go.id
    subject: Laporan upgrade SIPP
    body: Laporan terlampir.
    attachments:
      - laporan-sipp/laporan-upgrade-sipp-20260101-0900.html
      - laporan-sipp/laporan-upgrade-sipp-20260101-0900.csv
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
changed:
  description: True when the mail was sent (in check mode, when it would be sent).
  returned: always
  type: bool
  sample: true
recipients:
  description: Every recipient (O(to) and O(cc)).
  returned: success
  type: list
  elements: str
  sample: [kasubbag.ptip@pt-bandung.go.id]
subject:
  description: The subject.
  returned: success
  type: str
  sample: Laporan upgrade SIPP
attachments:
  description: The attached files.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: File name in the mail.
      type: str
      returned: success
      sample: laporan-upgrade-sipp-20260101-0900.html
    size:
      description: Size in bytes.
      type: int
      returned: success
      sample: 20480
    content_type:
      description: MIME type.
      type: str
      returned: success
      sample: text/html
message_id:
  description: The C(Message-ID) of the mail.
  returned: success
  type: str
  sample: <176400000000.1234.1@controller>
msg:
  description: What was done, in the chosen language.
  returned: always
  type: str
  sample: Surat terkirim ke kasubbag.ptip@pt-bandung.go.id lewat mail.pt-bandung.go.id:25 dengan 3 lampiran.
'''

import mimetypes
import os
import smtplib
import socket
import ssl
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, language_argument_spec

MESSAGES = Catalogue({
    'id': {
        'no_recipient': "Tidak ada penerima (to kosong). Tidak ada yang dikirim. Isi daftar penerima.",
        'line_break': ("{field} memuat baris baru, yang dapat menyisipkan kepala surat palsu. Tidak ada yang "
                       "dikirim. Tulis {field} dalam satu baris."),
        'attachment_missing': ("Lampiran {path} tidak ada atau tidak dapat dibaca: {error}. Tidak ada yang dikirim. "
                               "Periksa jalurnya (berkas di controller)."),
        'attachment_not_yet': ("Mode periksa: lampiran {path} belum ada (mungkin baru dibuat oleh tugas sebelumnya "
                               "saat dijalankan sungguhan); tanpa berkas itu surat akan gagal dikirim."),
        'password_without_user': "password diberikan tanpa username. Tidak ada yang dikirim. Isi username juga.",
        'connect_failed': ("Tidak dapat tersambung ke server SMTP {server}: {error}. Tidak ada yang dikirim. Periksa "
                           "smtp_host/smtp_port dan bahwa controller boleh menghubungi server itu."),
        'starttls_missing': ("Server SMTP {server} tidak menawarkan STARTTLS. Tidak ada yang dikirim. Matikan "
                             "starttls hanya bila server itu di jaringan tepercaya, atau gunakan port lain."),
        'tls_failed': ("STARTTLS ke {server} gagal: {error}. Tidak ada yang dikirim. Periksa sertifikat server "
                       "(atau validate_certs)."),
        'auth_failed': ("Login SMTP ke {server} sebagai '{user}' ditolak: {error}. Tidak ada yang dikirim. Periksa "
                        "username dan password."),
        'send_failed': "Server SMTP {server} menolak surat: {error}. Periksa alamat pengirim dan penerima.",
        'plain_auth': ("Password SMTP dikirim ke {server} tanpa TLS. Gunakan starttls=true bila server itu tidak "
                       "di mesin ini."),
        'sent': "Surat terkirim ke {to} lewat {server} dengan {count} lampiran.",
        'check': "Mode periksa: surat akan dikirim ke {to} lewat {server} dengan {count} lampiran; belum dikirim.",
    },
    'en': {
        'no_recipient': "No recipient (to is empty). Nothing was sent. Give the recipients.",
        'line_break': ("{field} holds a line break, which could insert forged mail headers. Nothing was sent. "
                       "Write {field} on one line."),
        'attachment_missing': ("Attachment {path} is missing or unreadable: {error}. Nothing was sent. Check the "
                               "path (a file on the controller)."),
        'attachment_not_yet': ("Check mode: attachment {path} does not exist yet (an earlier task may create it in a "
                               "real run); without it the mail would fail."),
        'password_without_user': "password given without username. Nothing was sent. Give the username too.",
        'connect_failed': ("Cannot connect to the SMTP server {server}: {error}. Nothing was sent. Check "
                           "smtp_host/smtp_port and that the controller may reach that server."),
        'starttls_missing': ("The SMTP server {server} does not offer STARTTLS. Nothing was sent. Turn starttls off "
                             "only when that server is on a trusted network, or use another port."),
        'tls_failed': ("STARTTLS to {server} failed: {error}. Nothing was sent. Check the server's certificate "
                       "(or validate_certs)."),
        'auth_failed': ("SMTP login to {server} as '{user}' was refused: {error}. Nothing was sent. Check username "
                        "and password."),
        'send_failed': "The SMTP server {server} refused the mail: {error}. Check the sender and recipients.",
        'plain_auth': ("The SMTP password is sent to {server} without TLS. Use starttls=true when that server is "
                       "not on this machine."),
        'sent': "Mail sent to {to} through {server} with {count} attachments.",
        'check': "Check mode: a mail would be sent to {to} through {server} with {count} attachments; nothing sent.",
    },
})

LOOPBACK = ('localhost', '127.0.0.1', '::1')


def read_attachments(paths):
    """[(name, maintype, subtype, bytes)]; raises (path, error) for the first unreadable file."""
    out = []
    for path in paths:
        try:
            with open(path, 'rb') as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            raise ValueError(path, exc.strerror or to_native(exc))
        ctype, encoding = mimetypes.guess_type(path)
        if ctype is None or encoding is not None:
            ctype = 'application/octet-stream'
        maintype, subtype = ctype.split('/', 1)
        out.append((os.path.basename(path), maintype, subtype, data))
    return out


def _header(value):
    """ASCII as it is; anything else as RFC 2047 encoded words holding the whole text, spaces included (the
    folding of Python's newer email policy drops a space between two encoded words, so it is not used)."""
    try:
        value.encode('ascii')
        return value
    except UnicodeEncodeError:
        return Header(value, 'utf-8')


def build_message(params, files):
    message = MIMEMultipart()
    message['From'] = _header(params['mail_from'])
    message['To'] = _header(', '.join(params['to']))
    if params['cc']:
        message['Cc'] = _header(', '.join(params['cc']))
    message['Subject'] = _header(params['subject'])
    message['Date'] = formatdate(localtime=True)
    message['Message-ID'] = make_msgid()
    message.attach(MIMEText(params['body'], 'plain', 'utf-8'))
    for name, maintype, subtype, data in files:
        # the file's bytes as they are, in base64; text files are declared UTF-8, as the report writes them
        part = MIMEBase(maintype, subtype, **({'charset': 'utf-8'} if maintype == 'text' else {}))
        part.set_payload(data)
        encoders.encode_base64(part)
        try:
            name.encode('ascii')
            part.add_header('Content-Disposition', 'attachment', filename=name)
        except UnicodeEncodeError:
            part.add_header('Content-Disposition', 'attachment', filename=('utf-8', '', name))
        message.attach(part)
    return message


def send(module, params, message, recipients, server):
    language = params['language']
    try:
        session = smtplib.SMTP(params['smtp_host'], params['smtp_port'], timeout=params['timeout'])
    except (socket.error, smtplib.SMTPException) as exc:
        module.fail_json(msg=MESSAGES.text(language, 'connect_failed', server=server, error=to_native(exc)))
    try:
        session.ehlo()
        if params['starttls']:
            if not session.has_extn('starttls'):
                module.fail_json(msg=MESSAGES.text(language, 'starttls_missing', server=server))
            context = ssl.create_default_context()
            if not params['validate_certs']:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            try:
                session.starttls(context=context)
                session.ehlo()
            except (ssl.SSLError, socket.error, smtplib.SMTPException) as exc:
                module.fail_json(msg=MESSAGES.text(language, 'tls_failed', server=server, error=to_native(exc)))
        if params['username']:
            if not params['starttls'] and params['smtp_host'] not in LOOPBACK:
                module.warn(MESSAGES.text(language, 'plain_auth', server=server))
            try:
                session.login(params['username'], params['password'] or '')
            except smtplib.SMTPException as exc:
                module.fail_json(msg=MESSAGES.text(language, 'auth_failed', server=server, user=params['username'],
                                                   error=to_native(exc)))
        try:
            session.send_message(message, from_addr=params['mail_from'], to_addrs=recipients)
        except smtplib.SMTPException as exc:
            module.fail_json(msg=MESSAGES.text(language, 'send_failed', server=server, error=to_native(exc)))
    except (socket.error, smtplib.SMTPException) as exc:
        module.fail_json(msg=MESSAGES.text(language, 'connect_failed', server=server, error=to_native(exc)))
    finally:
        try:
            session.quit()
        except (socket.error, smtplib.SMTPException):
            session.close()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            smtp_host=dict(type='str', required=True),
            smtp_port=dict(type='int', default=25),
            starttls=dict(type='bool', default=False),
            validate_certs=dict(type='bool', default=True),
            username=dict(type='str'),
            password=dict(type='str', no_log=True),
            mail_from=dict(type='str', required=True),
            to=dict(type='list', elements='str', required=True),
            cc=dict(type='list', elements='str', default=[]),
            subject=dict(type='str', required=True),
            body=dict(type='str', required=True),
            attachments=dict(type='list', elements='path', default=[]),
            timeout=dict(type='int', default=30),
            **language_argument_spec()
        ),
        supports_check_mode=True,
    )
    params = module.params
    language = params['language']
    params['to'] = [a.strip() for a in params['to'] if a and a.strip()]
    params['cc'] = [a.strip() for a in params['cc'] if a and a.strip()]
    if not params['to']:
        module.fail_json(msg=MESSAGES.text(language, 'no_recipient'))
    for field in ('mail_from', 'subject', 'smtp_host', 'username'):
        if params[field] and ('\n' in params[field] or '\r' in params[field]):
            module.fail_json(msg=MESSAGES.text(language, 'line_break', field=field))
    for field in ('to', 'cc'):
        if any('\n' in a or '\r' in a for a in params[field]):
            module.fail_json(msg=MESSAGES.text(language, 'line_break', field=field))
    if params['password'] and not params['username']:
        module.fail_json(msg=MESSAGES.text(language, 'password_without_user'))
    paths = params['attachments']
    if module.check_mode:
        # an earlier task in check mode may not have written a file yet: say so, attach what exists
        present = []
        for path in paths:
            if os.access(path, os.R_OK) and os.path.isfile(path):
                present.append(path)
            else:
                module.warn(MESSAGES.text(language, 'attachment_not_yet', path=path))
        paths = present
    try:
        files = read_attachments(paths)
    except ValueError as exc:
        module.fail_json(msg=MESSAGES.text(language, 'attachment_missing', path=exc.args[0], error=exc.args[1]))
    message = build_message(params, files)
    recipients = params['to'] + params['cc']
    server = '%s:%d' % (params['smtp_host'], params['smtp_port'])
    result = dict(
        changed=True,
        recipients=recipients,
        subject=params['subject'],
        attachments=[dict(name=n, size=len(d), content_type='%s/%s' % (m, s)) for n, m, s, d in files],
        message_id=message['Message-ID'],
    )
    counts = dict(to=', '.join(recipients), server=server, count=len(files))
    if module.check_mode:
        module.exit_json(msg=MESSAGES.text(language, 'check', **counts), **result)
    send(module, params, message, recipients, server)
    module.exit_json(msg=MESSAGES.text(language, 'sent', **counts), **result)


if __name__ == '__main__':
    main()
