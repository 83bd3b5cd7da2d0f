# -*- coding: utf-8 -*-
"""The report filters as plain functions: order, words, standard times, duplicates, CSV quoting, unsafe output."""

from __future__ import (absolute_import, division, print_function)

import csv
import io

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.pengadilan.sipp.plugins.filter import sipp_report


def court(name, status, kode='0', **kw):
    out = dict(court=name, kode_satker=kode, nama='PN ' + name, status=status, run_id='r1',
               finished='2026-11-24T10:00:00+07:00')
    out.update(kw)
    return out


def test_order_attention_first_unknown_right_after_gagal():
    results = [court('a', 'sudah', '1'), court('b', 'berhasil', '2'), court('c', 'menunggu', '3'),
               court('d', 'dilewati', '4'), court('e', 'didowngrade', '5'), court('f', 'gagal', '6'),
               court('g', 'aneh', '7'), court('h', 'berhasil', '0')]
    model = sipp_report.report_data(results)
    assert [c['court'] for c in model['courts']] == ['f', 'g', 'e', 'd', 'c', 'h', 'b', 'a']
    assert [c['attention'] for c in model['courts']] == [True] * 5 + [False] * 3
    assert model['summary'] == dict(berhasil=2, didowngrade=1, dilewati=1, menunggu=1, gagal=1, sudah=1, aneh=1,
                                    total=8)
    assert model['courts'][1]['status_text'] == 'aneh'


@pytest.mark.parametrize('language, status, expected', [
    ('id', 'dilewati', 'dilewati: sinkronisasi basi'), ('en', 'dilewati', 'skipped: sinkronisasi basi'),
    ('id', 'sudah', 'sudah versi 5.3.0'), ('en', 'sudah', 'already at version 5.3.0'),
    ('id', 'menunggu', 'menunggu pendampingan Admin TI PT'), ('id', 'didowngrade', 'di-downgrade'),
    ('id', 'gagal', 'gagal'), ('en', 'berhasil', 'upgraded')])
def test_status_words(language, status, expected):
    result = court('a', status, reason='sinkronisasi basi', version_before='5.3.0', version_after='5.3.0')
    assert sipp_report.status_text(result, language) == expected


def test_standard_time_with_string_keys_and_missing_fields():
    result = court('a', 'berhasil', steps=[{'step': '2', 'seconds': 3601}, {'step': 3, 'seconds': '600'},
                                           {'step': 4}, {'step': 5, 'status': 'dilewati'}])
    model = sipp_report.report_data([result], 'en', standard_minutes={'2': 60, '3': 10, 4: 5},
                                    step_names={'en': {'2': 'Backup'}})
    steps = model['courts'][0]['steps']
    assert [s['step'] for s in steps] == [2, 3, 4, 5]
    assert [s['over_time'] for s in steps] == [True, False, False, False]
    assert [s['duration'] for s in steps] == ['1:00:01', '10:00', '-', '-']
    assert steps[0]['name'] == 'Backup' and steps[1]['name'] == ''
    assert steps[2]['output'] is None and model['courts'][0]['sync_stamp'] is None
    assert model['courts'][0]['over_time_steps'] == [2]


def test_latest_result_of_a_court_wins_and_lists_are_flattened():
    old = court('a', 'gagal', finished='2026-11-20T10:00:00+07:00')
    new = court('a', 'berhasil', finished='2026-11-24T10:00:00+07:00')
    model = sipp_report.report_data([new, [old, court('b', 'sudah')], None])
    assert [(c['court'], c['status']) for c in model['courts']] == [('a', 'berhasil'), ('b', 'sudah')]
    assert model['run']['id'] == 'r1' and model['run']['ids'] == ['r1']


def test_several_run_ids_and_bad_input():
    model = sipp_report.report_data([court('a', 'gagal'), court('b', 'gagal', run_id='r2')])
    assert model['run']['ids'] == ['r1', 'r2'] and model['run']['id'] == 'r1, r2'
    with pytest.raises(AnsibleFilterError):
        sipp_report.report_data([court('a', 'gagal')], language='fr')
    with pytest.raises(AnsibleFilterError):
        sipp_report.report_data(['not a dict'])
    with pytest.raises(AnsibleFilterError, match='sipp_report_dir'):
        sipp_report.report_data([dict(courts=[], summary={})])


def test_csv_quotes_and_neutralises_formulas():
    result = court('a', 'dilewati', kode='=HYPERLINK("http://x")', reason='a, "b"\nc',
                   steps=[{'step': 2, 'seconds': 61.6}])
    model = sipp_report.report_data([result], standard_minutes={2: 1})
    text = sipp_report.report_csv(model)
    assert text.startswith('\ufeff')
    rows = list(csv.reader(io.StringIO(text[1:], newline='')))
    header, row = rows
    record = dict(zip(header, row))
    assert record['Kode satker'] == '\'=HYPERLINK("http://x")'
    assert record['Alasan'] == 'a, "b"\nc'
    assert record['Langkah 2 (detik; baku 1 menit)'] == '62'
    assert record['Langkah melebihi waktu baku'] == '2'


def test_filters_output_is_never_templated_again():
    """A court's text holding {{ }} stays text when Ansible templates the filters' output again (2.16: unsafe)."""
    filters = sipp_report.FilterModule().filters()
    model = filters['sipp_report_data']([court('a', 'dilewati', reason='{{ 7 * 6 }}')])
    templar = Templar(loader=DataLoader())
    assert templar.template(model['courts'][0]['reason']) == '{{ 7 * 6 }}'
    assert templar.template(model['courts'][0]['status_text']) == 'dilewati: {{ 7 * 6 }}'
    assert '{{ 7 * 6 }}' in templar.template(filters['sipp_report_csv'](model))
    assert filters['sipp_report_text']('en')['status_words']['sudah'] == 'already at version {version}'


# ------------------------------------------------------------------ the per-step records of a court's result

def test_step_record_appends_one_step_with_local_times_and_seconds():
    steps = sipp_report.step_record([], 2, 'ok', 1000000000.0, 1000000075.4, output='SIPP-401234-2026-11-24-2130')
    assert len(steps) == 1
    s = steps[0]
    assert (s['step'], s['status'], s['seconds'], s['output']) == (2, 'ok', 75, 'SIPP-401234-2026-11-24-2130')
    # ISO 8601 with the offset, to the second
    assert s['started'][:19] == '2001-09-09T%02d:46:40' % (time_hour(1000000000.0),) and s['started'][19] in '+-'
    assert s['started'][-3] == ':' and s['started'] < s['finished']
    more = sipp_report.step_record(steps, 5, 'gagal', 1000000100.0, 1000000200.0, seconds=12.6)
    assert [x['step'] for x in more] == [2, 5] and more[1]['seconds'] == 13 and steps == [s]


def time_hour(epoch):
    import time
    return time.localtime(epoch).tm_hour


@pytest.mark.parametrize('step, status, started', [(0, 'ok', 1.0), (11, 'ok', 1.0), (2, 'berhasil', 1.0),
                                                   (2, 'ok', 'kemarin')])
def test_step_record_refuses_what_the_report_could_not_read(step, status, started):
    with pytest.raises(AnsibleFilterError):
        sipp_report.step_record([], step, status, started, 2.0)


def test_step_record_finished_defaults_to_now():
    import time
    before = time.time()
    s = sipp_report.step_record([], 9, 'ok', before - 30)[0]
    assert s['seconds'] >= 30 and s['finished'] >= sipp_report.iso_time(before)


def test_iso_time_matches_the_step_times():
    assert sipp_report.iso_time(1000000000) == sipp_report.step_record([], 1, 'ok', 1000000000, 1000000000)[0]['started']
    with pytest.raises(AnsibleFilterError):
        sipp_report.iso_time('x')


PARTS = [
    {'step': 5, 'package': 'sipp-5.1.0-5.2.0.zip', 'started': 100.0, 'finished': 103.0},
    {'step': 6, 'package': 'sipp-5.1.0-5.2.0.zip', 'started': 103.0, 'finished': 110.0, 'failed': False},
    {'step': 5, 'package': 'sipp-5.2.0-5.2.1.zip', 'started': 110.0, 'finished': 112.0},
    {'step': 6, 'package': 'sipp-5.2.0-5.2.1.zip', 'started': 112.0, 'finished': 113.0, 'failed': False},
]


def test_upgrade_steps_one_record_per_step_with_the_time_of_all_packages():
    steps = sipp_report.upgrade_steps(PARTS)
    assert [(s['step'], s['status'], s['seconds']) for s in steps] == [(5, 'ok', 5), (6, 'ok', 8)]
    assert steps[0]['output'] == 'sipp-5.1.0-5.2.0.zip, sipp-5.2.0-5.2.1.zip'


def test_upgrade_steps_a_failed_migration_is_step_6_with_file_and_line():
    parts = PARTS[:3] + [dict(PARTS[3], failed=True, failed_file='002_x.sql', failed_line=7)]
    steps = sipp_report.upgrade_steps(parts, error='Migrasi gagal')
    assert [(s['step'], s['status']) for s in steps] == [(5, 'ok'), (6, 'gagal')]
    assert steps[1]['output'] == 'Migrasi gagal (002_x.sql:7)'


def test_upgrade_steps_any_other_failure_is_step_5():
    # the second package's files could not be prepared: no record of it yet
    steps = sipp_report.upgrade_steps(PARTS[:2], error='Ruang disk habis', started=100.0)
    assert [(s['step'], s['status']) for s in steps] == [(5, 'gagal'), (6, 'ok')]
    assert steps[0]['output'] == 'Ruang disk habis' and steps[0]['seconds'] >= 3
    # a failure before the first record at all
    first = sipp_report.upgrade_steps([], error='Paket hilang', started=100.0)
    assert [(s['step'], s['status'], s['output']) for s in first] == [(5, 'gagal', 'Paket hilang')]
    assert sipp_report.upgrade_steps([]) == []
