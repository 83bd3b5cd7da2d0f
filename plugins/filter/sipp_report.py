# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the report role: per-court results of a run -> one report model (JSON), its CSV, its words.

Controller-side only. Plain Python without Ansible imports beyond the error class, so it is easy to test.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import csv
import datetime
from collections.abc import Mapping
import io
import time

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import LANGUAGES

STATUSES = ('berhasil', 'didowngrade', 'dilewati', 'menunggu', 'gagal', 'sudah')
# Courts needing attention first: gagal, anything unexpected, didowngrade, dilewati, menunggu, then the rest.
STEP_STATUSES = ('ok', 'gagal', 'dilewati')
RANK = {'gagal': 0, 'didowngrade': 2, 'dilewati': 3, 'menunggu': 4, 'berhasil': 5, 'sudah': 6}
RANK_UNKNOWN = 1
ATTENTION_BELOW = 5
STEPS = tuple(range(1, 11))
# The documented fields of a result and of a step: missing ones are set to None, so templates need no guards.
RESULT_FIELDS = ('court', 'nama', 'kode_satker', 'pengadilan_tinggi', 'run_id', 'started', 'finished',
                 'version_before', 'version_after', 'target_version', 'status', 'reason', 'steps', 'backup',
                 'sync_stamp', 'clock')
STEP_FIELDS = ('step', 'name', 'status', 'started', 'finished', 'seconds', 'output')

TEXT = {
    'id': {
        'title': 'Laporan Upgrade Aplikasi SIPP',
        'region': 'Wilayah',
        'run': 'ID pelaksanaan',
        'generated': 'Dibuat',
        'period': 'Waktu pelaksanaan',
        'target': 'Versi tujuan',
        'summary': 'Ringkasan',
        'total': 'Jumlah pengadilan',
        'courts': 'Rincian per pengadilan',
        'no': 'No',
        'kode_satker': 'Kode satker',
        'nama': 'Pengadilan',
        'court': 'Host',
        'pengadilan_tinggi': 'Pengadilan tinggi',
        'version': 'Versi (sebelum \u2192 sesudah)',
        'version_before': 'Versi sebelum',
        'version_after': 'Versi sesudah',
        'target_version': 'Versi tujuan',
        'status': 'Status',
        'status_text': 'Keterangan status',
        'reason': 'Alasan',
        'steps': 'Waktu tiap langkah SOP (nyata / waktu baku)',
        'backup': 'Cadangan (nama, sha256)',
        'backup_name': 'Nama cadangan',
        'backup_sha256': 'sha256 cadangan',
        'sync_stamp': 'Stempel sinkronisasi',
        'started': 'Mulai',
        'finished': 'Selesai',
        'over_time': 'melebihi waktu baku',
        'over_time_steps': 'Langkah melebihi waktu baku',
        'clock_skew_seconds': 'Selisih jam server (detik)',
        'over_time_legend': 'Tanda \u25b2 = langkah yang melebihi waktu baku (Mutu Baku) SOP.',
        'seconds': 'detik',
        'standard': 'baku {minutes} mnt',
        'step_column': 'Langkah {step} {name} (detik; baku {minutes} menit)',
        'minutes': 'mnt',
        'none': '-',
        'step_skipped': 'dilewati',
        'step_failed': 'gagal',
        'attention': 'Perlu perhatian',
        'footer': ('Dibuat oleh koleksi Ansible pengadilan.sipp (SOP "Up-Grade Aplikasi SIPP"). Pengadilan yang '
                   'perlu perhatian (gagal, di-downgrade, dilewati, menunggu) ditampilkan lebih dahulu.'),
        'files': 'Berkas laporan',
        'mail_intro': 'Yth. Kasubbag Perencanaan, TI dan Pelaporan,\n\nberikut laporan upgrade aplikasi SIPP.',
        'mail_attention': 'Perlu perhatian:',
        'mail_none': 'Tidak ada pengadilan yang perlu perhatian.',
        'mail_attached': 'Laporan lengkap terlampir (HTML untuk dicetak, CSV, JSON).',
        'subject': 'Laporan upgrade SIPP',
        'summary_words': {'berhasil': 'berhasil', 'didowngrade': 'di-downgrade', 'dilewati': 'dilewati',
                          'menunggu': 'menunggu pendampingan', 'gagal': 'gagal', 'sudah': 'sudah mutakhir'},
        # the CSV's status column: one word a spreadsheet filters on (in Indonesian, the status itself)
        'status_codes': {'berhasil': 'berhasil', 'didowngrade': 'didowngrade', 'dilewati': 'dilewati',
                         'menunggu': 'menunggu', 'gagal': 'gagal', 'sudah': 'sudah'},
    },
    'en': {
        'title': 'SIPP Application Upgrade Report',
        'region': 'Region',
        'run': 'Run ID',
        'generated': 'Generated',
        'period': 'Run time',
        'target': 'Target version',
        'summary': 'Summary',
        'total': 'Courts',
        'courts': 'Per court',
        'no': 'No',
        'kode_satker': 'Kode satker',
        'nama': 'Court',
        'court': 'Host',
        'pengadilan_tinggi': 'High court',
        'version': 'Version (before \u2192 after)',
        'version_before': 'Version before',
        'version_after': 'Version after',
        'target_version': 'Target version',
        'status': 'Status',
        'status_text': 'Status text',
        'reason': 'Reason',
        'steps': 'Time of each SOP step (actual / standard)',
        'backup': 'Backup (name, sha256)',
        'backup_name': 'Backup name',
        'backup_sha256': 'Backup sha256',
        'sync_stamp': 'Sync stamp',
        'started': 'Started',
        'finished': 'Finished',
        'over_time': 'over the standard time',
        'over_time_steps': 'Steps over the standard time',
        'clock_skew_seconds': 'Server clock difference (seconds)',
        'over_time_legend': 'Mark \u25b2 = a step that took longer than the SOP\'s standard time (Mutu Baku).',
        'seconds': 'seconds',
        'standard': 'std {minutes} min',
        'step_column': 'Step {step} {name} (seconds; standard {minutes} minutes)',
        'minutes': 'min',
        'none': '-',
        'step_skipped': 'skipped',
        'step_failed': 'failed',
        'attention': 'Needs attention',
        'footer': ('Generated by the Ansible collection pengadilan.sipp (SOP "Up-Grade Aplikasi SIPP"). Courts '
                   'needing attention (failed, downgraded, skipped, waiting) are listed first.'),
        'files': 'Report files',
        'mail_intro': 'To the Kasubbag Perencanaan, TI dan Pelaporan,\n\nhere is the report of the SIPP upgrade.',
        'mail_attention': 'Needs attention:',
        'mail_none': 'No court needs attention.',
        'mail_attached': 'The full report is attached (HTML for printing, CSV, JSON).',
        'subject': 'SIPP upgrade report',
        'summary_words': {'berhasil': 'upgraded', 'didowngrade': 'downgraded', 'dilewati': 'skipped',
                          'menunggu': 'waiting for assistance', 'gagal': 'failed', 'sudah': 'already up to date'},
        'status_codes': {'berhasil': 'upgraded', 'didowngrade': 'downgraded', 'dilewati': 'skipped',
                         'menunggu': 'waiting', 'gagal': 'failed', 'sudah': 'current'},
    },
}

STATUS_WORDS = {
    'id': {
        'berhasil': 'berhasil',
        'didowngrade': 'di-downgrade',
        'dilewati': 'dilewati',
        'menunggu': 'menunggu pendampingan Admin TI PT',
        'gagal': 'gagal',
        'sudah': 'sudah versi {version}',
    },
    'en': {
        'berhasil': 'upgraded',
        'didowngrade': 'downgraded',
        'dilewati': 'skipped',
        'menunggu': "waiting for the high court's IT admin to assist",
        'gagal': 'failed',
        'sudah': 'already at version {version}',
    },
}

CSV_FIELDS = ('kode_satker', 'nama', 'court', 'pengadilan_tinggi', 'version_before', 'version_after',
              'target_version', 'status', 'status_text', 'reason', 'started', 'finished', 'backup_name',
              'backup_sha256', 'sync_stamp', 'over_time_steps', 'clock_skew_seconds')


def _text(value):
    """A field as text: None and missing are empty."""
    if value is None:
        return ''
    return value if isinstance(value, str) else str(value)


def _language(language):
    language = _text(language) or 'id'
    if language not in LANGUAGES:
        raise AnsibleFilterError("sipp_report: language must be one of %s, not %r" % (', '.join(LANGUAGES), language))
    return language


def _int_keys(mapping, what):
    out = {}
    for key, value in (mapping or {}).items():
        try:
            out[int(key)] = value
        except (TypeError, ValueError):
            raise AnsibleFilterError("sipp_report: %s keys are SOP step numbers 1..10, not %r" % (what, key))
    return out


def _num(value):
    """A number from a fact (int, float or their text); None when missing or not a number."""
    if value is None or value == '' or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _seconds(step):
    return _num(step.get('seconds'))


def duration(seconds):
    """12.4 -> '0:12', 750 -> '12:30', 3725 -> '1:02:05'."""
    if seconds is None:
        return '-'
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return '%d:%02d:%02d' % (hours, minutes, secs)
    return '%d:%02d' % (minutes, secs)


def status_text(result, language='id'):
    """The status of one court in words: 'dilewati: <reason>', 'sudah versi 5.3.0', ..."""
    language = _language(language)
    status = _text(result.get('status'))
    words = STATUS_WORDS[language]
    if status not in words:
        return status or '?'
    version = _text(result.get('version_after')) or _text(result.get('version_before')) or \
        _text(result.get('target_version')) or '?'
    text = words[status].format(version=version)
    reason = _text(result.get('reason'))
    if status == 'dilewati' and reason:
        text = '%s: %s' % (text, reason)
    return text


def _plain(value):
    """Plain dicts and lists all the way down (Ansible's lazy containers cannot be wrapped as unsafe)."""
    if isinstance(value, Mapping):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _court(result, language, standard, names):
    if not isinstance(result, dict):
        raise AnsibleFilterError("sipp_report: every result must be a dict, not %r" % (result,))
    if 'courts' in result and 'summary' in result:
        raise AnsibleFilterError("sipp_report: a report was given where a court's result was expected; do not "
                                 "point sipp_report_results_dir at the folder of the reports (sipp_report_dir)")
    court = dict((f, None) for f in RESULT_FIELDS)
    court.update(_plain(result))
    status = _text(result.get('status'))
    rank = RANK.get(status, RANK_UNKNOWN)
    steps = []
    over = []
    for step in result.get('steps') or []:
        if not isinstance(step, dict):
            continue
        entry = dict((f, None) for f in STEP_FIELDS)
        entry.update(step)
        try:
            number = int(step.get('step'))
        except (TypeError, ValueError):
            number = None
        entry['step'] = number
        entry['name'] = _text(names.get(number)) or _text(step.get('name'))
        seconds = _seconds(step)
        minutes = standard.get(number)
        entry['standard_minutes'] = minutes
        entry['duration'] = duration(seconds)
        entry['over_time'] = bool(seconds is not None and minutes is not None and seconds > float(minutes) * 60)
        if entry['over_time']:
            over.append(number)
        steps.append(entry)
    steps.sort(key=lambda s: (s['step'] is None, s['step'] or 0))
    backup = result.get('backup') if isinstance(result.get('backup'), dict) else {}
    # the court's clock against the controller's, as sipp_info compared them: told only when it differs
    clock = result.get('clock') if isinstance(result.get('clock'), dict) else {}
    skewed = bool(clock.get('skewed'))
    court.update(
        clock=dict(clock) if clock else None,
        clock_note=_text(clock.get('text')) or None if skewed else None,
        clock_skew_seconds=clock.get('skew_seconds') if skewed else None,
        steps=steps,
        status_text=status_text(result, language),
        attention=rank < ATTENTION_BELOW,
        over_time_steps=over,
        backup=dict(backup, name=backup.get('name'), sha256=backup.get('sha256')),
        _rank=rank,
    )
    return court


def _latest(courts):
    """One result per court: the one that finished last (results may come from facts and from files)."""
    chosen = {}
    order = []
    for court in courts:
        key = _text(court.get('court')) or _text(court.get('kode_satker')) or id(court)
        if key not in chosen:
            order.append(key)
            chosen[key] = court
        elif _text(court.get('finished')) >= _text(chosen[key].get('finished')):
            chosen[key] = court
    return [chosen[k] for k in order]


def _unique(courts, field):
    seen = []
    for court in courts:
        value = _text(court.get(field))
        if value and value not in seen:
            seen.append(value)
    return seen


def report_data(results, language='id', standard_minutes=None, step_names=None, title='', generated=None):
    """The report model: {run, generated, language, title, summary, courts}, courts needing attention first."""
    language = _language(language)
    if results is None:
        results = []
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError("sipp_report: the results must be a list of per-court result dicts")
    standard = _int_keys(standard_minutes, 'standard_minutes')
    names_all = step_names or {}
    names = _int_keys(names_all.get(language) or {}, 'step_names') if isinstance(names_all, dict) else {}
    flat = []
    for result in results:
        for item in (result if isinstance(result, (list, tuple)) else [result]):
            if item is None:
                continue
            if not isinstance(item, dict):
                raise AnsibleFilterError("sipp_report: every result must be a dict, not %r" % (item,))
            flat.append(item)
    courts = [_court(r, language, standard, names) for r in _latest([r for r in flat if r is not None])]
    courts.sort(key=lambda c: (c['_rank'], _text(c.get('kode_satker')), _text(c.get('nama')),
                               _text(c.get('court'))))
    for court in courts:
        del court['_rank']
    summary = dict((s, 0) for s in STATUSES)
    for court in courts:
        status = _text(court.get('status')) or '?'
        summary[status] = summary.get(status, 0) + 1
    summary['total'] = len(courts)
    run_ids = _unique(courts, 'run_id')
    started = sorted(_text(c.get('started')) for c in courts if c.get('started'))
    finished = sorted(_text(c.get('finished')) for c in courts if c.get('finished'))
    if generated is None:
        generated = datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()
    return dict(
        run=dict(
            id=run_ids[0] if len(run_ids) == 1 else ', '.join(run_ids),
            ids=run_ids,
            started=started[0] if started else None,
            finished=finished[-1] if finished else None,
            regions=_unique(courts, 'pengadilan_tinggi'),
            target_versions=_unique(courts, 'target_version'),
        ),
        generated=generated,
        language=language,
        title=_text(title) or TEXT[language]['title'],
        summary=summary,
        standard_minutes=dict((str(k), v) for k, v in sorted(standard.items())),
        step_names=dict((str(k), v) for k, v in sorted(names.items())),
        courts=courts,
    )


def report_text(language='id'):
    """The report's labels in one language, plus the status words, for the templates."""
    language = _language(language)
    return dict(TEXT[language], status_words=dict(STATUS_WORDS[language]))


def _cell(value):
    """Neutralise spreadsheet formulas: a cell starting with = + @ (or a control character) is prefixed with '."""
    text = _text(value)
    if text and text[0] in ('=', '+', '@', '\t', '\r'):
        return "'" + text
    return text


def report_csv(model, bom=True):
    """One row per court, the same columns as the HTML; header in the report's language; UTF-8 (with BOM)."""
    if not isinstance(model, dict) or 'courts' not in model:
        raise AnsibleFilterError("sipp_report_csv: expects the model made by pengadilan.sipp.sipp_report_data")
    language = _language(model.get('language'))
    text = TEXT[language]
    standard = _int_keys(model.get('standard_minutes'), 'standard_minutes')
    steps = sorted(set(STEPS) | set(s['step'] for c in model['courts'] for s in c.get('steps', [])
                                    if s.get('step') is not None))
    names = _int_keys(model.get('step_names'), 'step_names')
    for court in model['courts']:
        for step in court.get('steps', []):
            names.setdefault(step.get('step'), step.get('name'))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    header = [text[f] for f in CSV_FIELDS]
    for number in steps:
        header.append(text['step_column'].format(step=number, name=names.get(number) or '',
                                                 minutes=standard.get(number, '-')).replace('  ', ' '))
    writer.writerow(header)
    for court in model['courts']:
        backup = court.get('backup') or {}
        row = dict(court, backup_name=backup.get('name'), backup_sha256=backup.get('sha256'),
                   status=text['status_codes'].get(court.get('status'), court.get('status')),
                   over_time_steps=' '.join(str(s) for s in court.get('over_time_steps') or []))
        cells = [_cell(row.get(f)) for f in CSV_FIELDS]
        by_step = dict((s.get('step'), s) for s in court.get('steps', []))
        for number in steps:
            seconds = _seconds(by_step.get(number, {}))
            cells.append('' if seconds is None else ('%d' % round(seconds)))
        writer.writerow(cells)
    return ('\ufeff' if bom else '') + out.getvalue()


def _iso(epoch):
    """Epoch seconds -> local ISO 8601 time with its offset, to the second (what the report shows)."""
    local = time.localtime(float(epoch))
    minutes = (local.tm_gmtoff or 0) // 60
    sign = '+' if minutes >= 0 else '-'
    return time.strftime('%Y-%m-%dT%H:%M:%S', local) + '%s%02d:%02d' % (sign, abs(minutes) // 60, abs(minutes) % 60)


def step_record(steps, step, status, started, finished=None, output='', seconds=None):
    """Append one SOP step to a court's list of steps: the record the report reads.

    started and finished are epoch seconds (finished defaults to now); seconds defaults to their difference (give it
    when a step's time is the sum of several parts, e.g. the files of several packages).
    """
    try:
        number = int(step)
        start = float(started)
        end = float(finished) if finished not in (None, '') else time.time()
    except (TypeError, ValueError):
        raise AnsibleFilterError("sipp_step: step must be 1..10 and started/finished epoch seconds, got %r, %r, %r"
                                 % (step, started, finished))
    if not 1 <= number <= 10:
        raise AnsibleFilterError("sipp_step: step must be 1..10, got %r" % (step,))
    if status not in STEP_STATUSES:
        raise AnsibleFilterError("sipp_step: status must be one of %s, got %r" % (', '.join(STEP_STATUSES), status))
    if seconds in (None, ''):
        seconds = max(0.0, end - start)
    record = {'step': number, 'status': status, 'started': _iso(start),
              'finished': _iso(end), 'seconds': int(round(float(seconds))), 'output': _text(output) if output else ''}
    return list(steps or []) + [record]


def iso_time(epoch):
    """Epoch seconds -> the controller's local time as ISO 8601 with its offset (the form of every report time)."""
    try:
        return _iso(epoch)
    except (TypeError, ValueError, OverflowError):
        raise AnsibleFilterError("sipp_time: epoch seconds expected, got %r" % (epoch,))


def upgrade_steps(parts, error='', started=None):
    """The upgrade role's records (one per package and step, epoch started/finished) -> one record for step 5 (the
    application files) and one for step 6 (the database changes), each with the time of all packages together.

    error: the message of a failure caught while the role ran. A failed migration is step 6 (its record says so);
    any other failure is counted against step 5, from `started` (epoch, default the first record) to now.
    """
    parts = [p for p in (parts or []) if isinstance(p, dict)]
    steps = []
    failed_6 = [p for p in parts if int(p.get('step', 0)) == 6 and p.get('failed')]
    for number in (5, 6):
        mine = [p for p in parts if int(p.get('step', 0)) == number]
        fail_here = bool(error) and ((number == 6 and failed_6) or (number == 5 and not failed_6))
        if not mine and not fail_here:
            continue
        begin = mine[0]['started'] if mine else (started if started not in (None, '') else time.time())
        end = time.time() if fail_here and number == 5 else (mine[-1]['finished'] if mine else time.time())
        seconds = sum(float(p['finished']) - float(p['started']) for p in mine)
        if fail_here and number == 5:
            seconds += max(0.0, end - float(mine[-1]['finished'] if mine else begin))
        names = ', '.join(_text(p.get('package')) for p in mine if p.get('package'))
        if fail_here:
            detail = [p for p in failed_6 if p.get('failed_file')]
            where = (' (%s:%s)' % (detail[0]['failed_file'], detail[0].get('failed_line') or '?')) if detail else ''
            output = _text(error) + where
        else:
            output = names
        steps = step_record(steps, number, 'gagal' if fail_here else 'ok', begin, end, output=output, seconds=seconds)
    return steps


def _unsafe(function):
    """Court data is never template code: results are marked unsafe, so no later templating evaluates a court's
    text (needed with ansible-core before 2.19, where a fact holding '{{' is templated again on use)."""
    def wrapper(*args, **kwargs):
        return wrap_var(function(*args, **kwargs))
    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


class FilterModule(object):
    """pengadilan.sipp report filters."""

    def filters(self):
        return {
            'sipp_report_data': _unsafe(report_data),
            'sipp_report_csv': _unsafe(report_csv),
            'sipp_report_text': report_text,
            'sipp_report_status_text': _unsafe(status_text),
            'sipp_step': step_record,
            'sipp_time': iso_time,
            'sipp_upgrade_steps': upgrade_steps,
        }
