# -*- coding: utf-8 -*-
"""sipp_mail: main() against a real SMTP server on 127.0.0.1 (tests/smtpsink.py): recipients, subject, body and
attachments as received; check mode sends nothing; refusals send nothing; the password never in the result."""

from __future__ import (absolute_import, division, print_function)

import json
import socket

import pytest

from ansible_collections.pengadilan.sipp.plugins.modules import sipp_mail
from smtpsink import SmtpSink

PASSWORD = "p'a\"s$s w#rd\\;"
SUBJECT = 'Laporan upgrade SIPP PT Bandung: 4 berhasil, 1 gagal \u2013 \u00e9'


@pytest.fixture
def files(tmp_path):
    html = tmp_path / 'laporan.html'
    html.write_text('<!DOCTYPE html><p>Pengadilan Negeri Bandung \u2192 5.3.0</p>', encoding='utf-8')
    csv_file = tmp_path / 'laporan.csv'
    csv_file.write_text('\ufeffKode satker,Pengadilan\r\n097734,PN Bandung\r\n', encoding='utf-8')
    json_file = tmp_path / 'laporan.json'
    json_file.write_text(json.dumps({'courts': [{'nama': 'PN Bandung'}]}), encoding='utf-8')
    return [str(html), str(csv_file), str(json_file)]


def args(sink, files, **kw):
    base = dict(smtp_host='127.0.0.1', smtp_port=sink.port, mail_from='laporan-sipp@pt-bandung.go.id',
                to=['kasubbag.ptip@pt-bandung.go.id'], cc=['admin.ti@pt-bandung.go.id'], subject=SUBJECT,
                body='Yth. Kasubbag,\n\nlaporan terlampir.\n', attachments=files)
    base.update(kw)
    return base


def test_sends_body_and_three_attachments_with_login(run_module, files):
    with SmtpSink(auth=('laporan-sipp', PASSWORD)) as sink:
        result, raw = run_module(sipp_mail.main, args(sink, files, username='laporan-sipp', password=PASSWORD))
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert result['recipients'] == ['kasubbag.ptip@pt-bandung.go.id', 'admin.ti@pt-bandung.go.id']
    assert [a['name'] for a in result['attachments']] == ['laporan.html', 'laporan.csv', 'laporan.json']
    assert [a['content_type'] for a in result['attachments']] == ['text/html', 'text/csv', 'application/json']
    assert 'Surat terkirim' in result['msg']
    assert PASSWORD not in raw and json.dumps(PASSWORD)[1:-1] not in raw
    assert len(sink.mails) == 1
    mail = sink.mails[0]
    assert mail.auth == ('laporan-sipp', PASSWORD)
    assert mail.mail_from == 'laporan-sipp@pt-bandung.go.id'
    assert mail.rcpt_to == ['kasubbag.ptip@pt-bandung.go.id', 'admin.ti@pt-bandung.go.id']
    assert mail.message['Subject'] == SUBJECT
    assert mail.message['To'] == 'kasubbag.ptip@pt-bandung.go.id'
    assert mail.message['Cc'] == 'admin.ti@pt-bandung.go.id'
    assert mail.message['Message-ID'] == result['message_id']
    assert mail.message.get_body(('plain',)).get_content() == 'Yth. Kasubbag,\n\nlaporan terlampir.\n'
    attached = mail.attachments()
    assert sorted(attached) == ['laporan.csv', 'laporan.html', 'laporan.json']
    for path in files:
        name = path.rsplit('/', 1)[1]
        with open(path, 'rb') as handle:
            assert attached[name][1] == handle.read()
    assert attached['laporan.html'][0] == 'text/html'
    assert PASSWORD not in mail.data.decode('utf-8', 'replace')


def test_english_messages_and_no_login_without_username(run_module, files):
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files[:1], cc=[], language='en'))
    assert result.get('failed') is not True, result
    assert result['msg'].startswith('Mail sent to kasubbag.ptip@pt-bandung.go.id')
    assert sink.mails[0].auth is None and not any(line.startswith('AUTH') for line in sink.transcript)
    assert sink.mails[0].rcpt_to == ['kasubbag.ptip@pt-bandung.go.id']


def test_check_mode_sends_nothing(run_module, files, tmp_path):
    missing = str(tmp_path / 'belum-ada.json')
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files[:2] + [missing], _ansible_check_mode=True))
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert 'Mode periksa' in result['msg']
    assert [a['name'] for a in result['attachments']] == ['laporan.html', 'laporan.csv']
    assert 'belum-ada.json' in json.dumps(result.get('warnings'))  # 2.19 gives structured warnings
    assert sink.mails == [] and sink.transcript == []


def test_missing_attachment_sends_nothing(run_module, files, tmp_path):
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files + [str(tmp_path / 'tidak-ada.csv')]))
    assert result['failed'] is True
    assert 'tidak-ada.csv' in result['msg'] and 'Tidak ada yang dikirim' in result['msg']
    assert sink.mails == []


@pytest.mark.parametrize('field, value', [('subject', 'Laporan\r\nBcc: semua@contoh.go.id'),
                                          ('to', ['a@contoh.go.id\nBcc: b@contoh.go.id']),
                                          ('mail_from', 'a@contoh.go.id\r\nX-Evil: 1')])
def test_header_injection_refused(run_module, files, field, value):
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files, **{field: value}))
    assert result['failed'] is True and field in result['msg']
    assert sink.mails == []


def test_wrong_password_refused_and_not_shown(run_module, files):
    with SmtpSink(auth=('laporan-sipp', 'the right one')) as sink:
        result, raw = run_module(sipp_mail.main, args(sink, files, username='laporan-sipp', password=PASSWORD))
    assert result['failed'] is True and 'ditolak' in result['msg']
    assert PASSWORD not in raw and json.dumps(PASSWORD)[1:-1] not in raw
    assert sink.mails == []


def test_password_without_username_refused(run_module, files):
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files, password=PASSWORD))
    assert result['failed'] is True and 'username' in result['msg']
    assert sink.mails == [] and sink.transcript == []


def test_starttls_demanded_but_not_offered(run_module, files):
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files, starttls=True))
    assert result['failed'] is True and 'STARTTLS' in result['msg']
    assert sink.mails == []


def test_unreachable_server(run_module, files):
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    result, _raw = run_module(sipp_mail.main, dict(smtp_host='127.0.0.1', smtp_port=port, mail_from='a@b.go.id',
                                                   to=['c@d.go.id'], subject='x', body='y', attachments=files,
                                                   timeout=5))
    assert result['failed'] is True
    assert 'Tidak dapat tersambung' in result['msg'] and str(port) in result['msg']


def test_empty_recipients_refused(run_module, files):
    with SmtpSink() as sink:
        result, _raw = run_module(sipp_mail.main, args(sink, files, to=['', ' ']))
    assert result['failed'] is True and 'penerima' in result['msg']
    assert sink.mails == []
