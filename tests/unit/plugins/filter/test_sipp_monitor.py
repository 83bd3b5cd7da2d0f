# -*- coding: utf-8 -*-
"""The monitoring report filters as plain functions: status and reasons per court, order, words from the role,
ages, sizes, unknowns, CSV quoting."""

from __future__ import (absolute_import, division, print_function)

import csv
import io
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.pengadilan.sipp.plugins.filter import sipp_monitor


HERE = os.path.dirname(os.path.abspath(__file__))
ROLE_VARS = os.path.join(HERE, '..', '..', '..', '..', 'roles', 'monitor', 'vars', 'main.yml')
with open(ROLE_VARS) as handle:
    MESSAGES = yaml.safe_load(handle)['__sipp_monitor_messages']
NOW = 1800000000


def court(name, kode, **over):
    """A court as the monitor role records it: healthy unless told otherwise."""
    obs = dict(
        court=name, job='sync_check', job_error='', reachable=True, error='', now=str(NOW),
        identity=dict(nama='Pengadilan Negeri ' + name, kode_satker=kode, pengadilan_tinggi='Pengadilan Tinggi Bandung',
                      version='5.2.0'),
        backup=dict(read=True, dir='/var/backups/sipp', max_age_hours=26, newest='SIPP-%s-2027-01-15-0200' % kode,
                    record=dict(name='SIPP-%s-2027-01-15-0200' % kode, created='2027-01-15-0200', verified=True),
                    created_epoch=NOW - 6 * 3600, size_bytes=3 * 1024 ** 3),
        tonight=None,
        sync=dict(ok=True, status='ok', reason='Sinkronisasi sehat', stamp='2027-01-15 07:30:00', age_seconds=1800,
                  counts={}, triggered=False),
        sync_max_age=480,
        disk=dict(path='/var/backups/sipp', total_bytes=100 * 1024 ** 3, used_bytes=60 * 1024 ** 3,
                  free_bytes=40 * 1024 ** 3, mount='/', min_free_percent=10, database_bytes=2 * 1024 ** 3,
                  margin_percent=10),
    )
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(obs.get(key), dict):
            obs[key] = dict(obs[key], **value)
        else:
            obs[key] = value
    return obs


def data(results, **kw):
    kw.setdefault('generated', '2027-01-15T08:00:00+07:00')
    return sipp_monitor.monitor_data(results, MESSAGES, **kw)


def test_words_are_the_same_in_both_languages():
    for key, value in MESSAGES['id'].items():
        if isinstance(value, dict):
            assert set(value) == set(MESSAGES['en'][key]), key
    assert set(MESSAGES['id']) == set(MESSAGES['en'])


def test_healthy_court_is_baik():
    model = data([court('pn_a', '100001')], job='sync_check')
    c = model['courts'][0]
    assert c['status'] == 'baik' and c['status_text'] == 'baik' and not c['attention'] and c['reasons'] == []
    assert c['backup']['age_hours'] == 6.0 and c['backup']['age_text'] == '6 jam 0 mnt'
    assert c['backup']['size_text'] == '3,0 GB' and c['backup']['verified'] is True
    assert c['sync']['fresh'] is True and c['sync']['age_minutes'] == 30 and c['sync']['max_age_minutes'] == 480
    assert c['disk']['free_percent'] == 40.0 and c['disk']['need_bytes'] == int(2.2 * 1024 ** 3)
    assert c['tonight']['ran'] is False
    assert model['summary'] == {'perhatian': 0, 'baik': 1, 'total': 1}
    assert model['job_text'].startswith('pemeriksaan sinkronisasi')


def test_reasons_order_and_attention_first():
    results = [
        court('pn_ok', '100001'),
        court('pn_old', '100002', backup=dict(created_epoch=NOW - 50 * 3600)),
        court('pn_stale', '100003', sync=dict(ok=False, status='stale', age_seconds=30 * 3600, reason='basi')),
        court('pn_full', '100000', disk=dict(free_bytes=1 * 1024 ** 3, used_bytes=99 * 1024 ** 3)),
        court('pn_none', '100004', backup=dict(record=None, created_epoch=None, size_bytes=None, newest=None)),
    ]
    model = data(results, hosts=['pn_ok', 'pn_gone'])
    assert [c['court'] for c in model['courts']] == ['pn_gone', 'pn_full', 'pn_old', 'pn_stale', 'pn_none', 'pn_ok']
    by = dict((c['court'], c) for c in model['courts'])
    assert by['pn_old']['problems'] == ['backup_old']
    assert 'berumur 2 hari 2 jam, lebih dari batas 26 jam' in by['pn_old']['reasons'][0]
    assert by['pn_stale']['problems'] == ['sync_stale'] and by['pn_stale']['sync']['fresh'] is False
    assert 'Sinkronisasi terakhir 2027-01-15 07:30:00 (30 jam 0 mnt yang lalu), lebih lama dari batas 480 menit' \
        in by['pn_stale']['reasons'][0]
    assert by['pn_full']['problems'] == ['disk_low', 'disk_next_backup']
    assert 'tinggal 1,0 GB (1%), di bawah batas 10%' in by['pn_full']['reasons'][0]
    assert by['pn_none']['problems'] == ['backup_missing'] and by['pn_none']['backup']['verified'] is False
    assert by['pn_gone']['problems'] == ['not_checked'] and by['pn_gone']['checked'] is False
    assert model['summary'] == {'perhatian': 5, 'baik': 1, 'total': 6}


def test_backup_job_tonight_and_errors():
    results = [
        court('pn_ok', '1', job='backup', tonight=dict(name='SIPP-1-2027-01-15-0200', verified=True)),
        court('pn_fail', '2', job='backup', job_error='Task failed: Ruang disk tidak cukup. Jalankan lagi.'),
        court('pn_check', '3', job='backup', tonight=dict(name='SIPP-3-x', verified='False')),
        court('pn_dead', '4', job='backup', reachable='False', job_error='x',
              error='Task failed: Failed to connect to the host via ssh: Connection refused'),
    ]
    by = dict((c['court'], c) for c in data(results, job='backup')['courts'])
    assert by['pn_ok']['tonight'] == dict(ran=True, status='ok', name='SIPP-1-2027-01-15-0200', error=None,
                                          text='berhasil: SIPP-1-2027-01-15-0200')
    assert by['pn_fail']['problems'] == ['backup_failed']
    assert by['pn_fail']['reasons'] == ['Pencadangan malam ini gagal: Ruang disk tidak cukup. Jalankan lagi.']
    assert by['pn_check']['tonight']['status'] == 'check' and by['pn_check']['status'] == 'baik'
    dead = by['pn_dead']
    assert dead['problems'] == ['unreachable'] and dead['tonight']['status'] == 'failed'
    assert dead['reasons'][0].startswith('Server pengadilan tidak terjangkau dari controller: Failed to connect to '
                                         'the host via ssh: Connection refused. Periksa')


def test_sync_problems_and_unverified_newer_folder_in_english():
    results = [
        court('pn_m', '1', sync=dict(ok=False, status='mismatch', reason='x')),
        court('pn_u', '2', sync=dict(ok=False, status='unreachable', reason='Public side down. Check the network.'),
              backup=dict(newest='SIPP-2-2027-01-16-0200')),
        court('pn_e', '3', sync=None, error='Cari folder cadangan: Permission denied'),
    ]
    by = dict((c['court'], c) for c in data(results, language='en', job='sync_check')['courts'])
    assert by['pn_m']['problems'] == ['sync_mismatch'] and by['pn_m']['sync']['fresh'] is True
    assert by['pn_u']['reasons'] == ["The public SIPP site cannot be read from the court's server. Public side down. "
                                     "Check the network."]
    assert by['pn_u']['backup']['verified'] is False
    assert by['pn_u']['backup']['newest_unverified'] == 'SIPP-2-2027-01-16-0200'
    assert by['pn_e']['problems'] == ['monitor_failed'] and by['pn_e']['sync']['checked'] is False
    assert '(Cari folder cadangan: Permission denied)' in by['pn_e']['reasons'][0]
    assert by['pn_m']['status_text'] == 'needs attention'


def test_refusals():
    with pytest.raises(AnsibleFilterError, match='language'):
        data([], language='fr')
    with pytest.raises(AnsibleFilterError, match='job'):
        data([], job='upgrade')
    with pytest.raises(AnsibleFilterError, match='court'):
        data([{'nama': 'x'}])
    with pytest.raises(AnsibleFilterError, match='messages'):
        sipp_monitor.monitor_data([], {}, language='id')
    with pytest.raises(AnsibleFilterError, match='sipp_monitor_data'):
        sipp_monitor.monitor_csv({'courts': []}, MESSAGES)


def test_csv_rows_and_formula_guard():
    results = [court('pn_a', '1'), court('pn_b', '2', identity=dict(nama='=HYPERLINK("x")'),
                                         sync=dict(ok=False, status='stale', age_seconds=99999))]
    text = sipp_monitor.monitor_csv(data(results), MESSAGES)
    assert text.startswith('\ufeff') and '\r\n' in text
    rows = list(csv.reader(io.StringIO(text[1:])))
    header, body = rows[0], rows[1:]
    assert header[:4] == ['Kode satker', 'Pengadilan', 'Host', 'Versi SIPP']
    assert [r[2] for r in body] == ['pn_b', 'pn_a']
    rec = dict(zip(header, body[0]))
    assert rec['Pengadilan'] == '\'=HYPERLINK("x")' and rec['Sinkronisasi segar'] == 'tidak'
    assert rec['Umur sinkronisasi (menit)'] == '1666' and rec['Status'] == 'perhatian'
    assert dict(zip(header, body[1]))['Ukuran cadangan (byte)'] == str(3 * 1024 ** 3)


def test_leftovers_shown_with_the_space_they_take():
    left = [dict(name='.SIPP.sipp-previous-5.0.9', what='pohon aplikasi yang tertinggal', size_bytes=3 * 1024 ** 2),
            dict(name='SIPP-1-2027-01-15-0100', what='cadangan yang tidak selesai', size_bytes=1024 ** 2)]
    base = court('pn_a', '1')
    results = [court('pn_a', '1', backup=dict(base['backup'], leftovers=left))]
    model = data(results)
    backup = model['courts'][0]['backup']
    assert backup['leftover_bytes'] == 4 * 1024 ** 2 and backup['leftover_text'] == '4,0 MB'
    assert [x['name'] for x in backup['leftovers']] == [x['name'] for x in left]
    assert model['courts'][0]['status'] == 'baik'          # shown, not a problem: the backup job cleans what it may
    rows = list(csv.reader(io.StringIO(sipp_monitor.monitor_csv(model, MESSAGES)[1:])))
    rec = dict(zip(rows[0], rows[1]))
    assert rec['Sisa pekerjaan yang terputus'] == '.SIPP.sipp-previous-5.0.9, SIPP-1-2027-01-15-0100'
    assert rec['Ruang sisa pekerjaan yang terputus (byte)'] == str(4 * 1024 ** 2)


def test_sizes_and_ages():
    assert sipp_monitor.size_text(512) == '512 B'
    assert sipp_monitor.size_text(1536, 'en') == '1.5 KB'
    assert sipp_monitor.size_text(None) is None
    labels = MESSAGES['en']['labels']
    assert sipp_monitor.age_text(59, labels) == '0 min'
    assert sipp_monitor.age_text(3 * 3600 + 5 * 60, labels) == '3 h 5 min'
    assert sipp_monitor.age_text(None, labels) is None


@pytest.mark.parametrize('language', ['id', 'en'])
def test_a_backup_whose_myisam_tables_were_copied_unlocked_online_needs_attention(language):
    tables = [dict(name='log_lama', engine='MyISAM'), dict(name='statistik_lama', engine='Aria')]
    results = [
        court('pn_unlocked', '100001', backup=dict(nontransactional=dict(
            tables=tables, sipp_online=True, locked=False, lock_error=None, copied='unlocked', consistent=False))),
        court('pn_timeout', '100002', backup=dict(nontransactional=dict(
            tables=tables, sipp_online=True, locked=False, lock_error='Lock wait timeout exceeded', copied='unlocked',
            consistent=False))),
        court('pn_locked', '100003', backup=dict(nontransactional=dict(
            tables=tables, sipp_online=True, locked=True, lock_error=None, copied='locked', consistent=True))),
        court('pn_maint', '100004', backup=dict(nontransactional=dict(
            tables=tables, sipp_online=False, locked=False, lock_error=None, copied='maintenance', consistent=True))),
        court('pn_innodb', '100005', backup=dict(nontransactional=dict(
            tables=[], sipp_online=True, locked=False, lock_error=None, copied='no_tables', consistent=True))),
    ]
    by = dict((c['court'], c) for c in data(results, language=language)['courts'])
    for name in ('pn_locked', 'pn_maint', 'pn_innodb'):
        assert by[name]['problems'] == [] and by[name]['status'] == 'baik', name
    assert by['pn_locked']['backup']['nontransactional'] == ['log_lama (MyISAM)', 'statistik_lama (Aria)']
    for name, why in (('pn_unlocked', {'id': 'penguncian dimatikan', 'en': 'locking was turned off'}[language]),
                      ('pn_timeout', 'Lock wait timeout exceeded')):
        assert by[name]['problems'] == ['backup_inconsistent'], name
        text = by[name]['reasons'][0]
        assert 'SIPP-%s-2027-01-15-0200' % by[name]['kode_satker'] in text
        assert 'log_lama (MyISAM), statistik_lama (Aria)' in text and '(%s)' % why in text
        assert ('tidak konsisten' if language == 'id' else 'may not be consistent') in text


@pytest.mark.parametrize('language', ['id', 'en'])
def test_a_backup_that_could_not_hold_events_or_routines_needs_attention(language):
    left = [dict(kind='events', name='*', definer=None, reason="Access denied for user 'sipp'@'localhost'"),
            dict(kind='procedure', name='sipp_rekap_harian', definer='root@localhost', reason='hidden')]
    results = [court('pn_hak', '100006', backup=dict(left_out=left)),
               court('pn_lengkap', '100007', backup=dict(left_out=[]))]
    by = dict((c['court'], c) for c in data(results, language=language)['courts'])
    assert by['pn_lengkap']['problems'] == []
    assert by['pn_hak']['problems'] == ['backup_incomplete'] and by['pn_hak']['status'] == 'perhatian'
    text = by['pn_hak']['reasons'][0]
    items = {'id': 'semua event, prosedur sipp_rekap_harian', 'en': 'every event, procedure sipp_rekap_harian'}
    assert items[language] in text and 'SIPP-100006-2027-01-15-0200' in text
    assert ('hak EVENT' if language == 'id' else 'the EVENT privilege') in text
