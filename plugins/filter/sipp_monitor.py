# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the monitor role (SOP "Monitoring Sinkronisasi dan Back Up SIPP"): what each court showed (its fact
sipp_monitor_result) -> one report model with a status and the reasons per court, courts needing attention first;
and its CSV. The words come from the role (vars/main.yml), so this file holds logic only.

Controller-side only; the CSV cell guard and the unsafe marking are the report role's (sipp_report.py).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import csv
import datetime
import io

from ansible.errors import AnsibleFilterError

from ansible_collections.pengadilan.sipp.plugins.filter.sipp_report import _cell, _num, _text, _unsafe
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import LANGUAGES

JOBS = ('backup', 'sync_check', '')
# Sync statuses of pengadilan.sipp.sipp_sync_status with a reason of their own; any other bad status is 'unknown'.
SYNC_PROBLEMS = ('stale', 'mismatch', 'unreachable', 'unknown')
CSV_FIELDS = ('kode_satker', 'nama', 'court', 'version', 'status', 'status_text', 'reasons', 'backup_name',
              'backup_created', 'backup_age_hours', 'backup_size_bytes', 'backup_verified', 'backup_max_age_hours',
              'leftover_names', 'leftover_bytes', 'tonight', 'sync_stamp', 'sync_age_minutes', 'sync_fresh',
              'sync_max_age_minutes', 'disk_path', 'disk_free_bytes', 'disk_total_bytes', 'disk_free_percent',
              'disk_min_free_percent', 'disk_need_bytes', 'backups_suspect', 'clock_skew_seconds')
_PREFIXES = ('Task failed: ', 'Action failed: ')


def _words(messages, language):
    language = _text(language) or 'id'
    if language not in LANGUAGES:
        raise AnsibleFilterError("sipp_monitor: language must be one of %s, not %r" % (', '.join(LANGUAGES), language))
    if not isinstance(messages, dict) or not isinstance(messages.get(language), dict):
        raise AnsibleFilterError("sipp_monitor: messages must be the monitor role's __sipp_monitor_messages "
                                 "(a dict per language)")
    return language, messages[language]


def _bool(value):
    """A fact's truth: True, 'True' (ansible-core 2.16 may hand booleans over as text), 'true', 'yes'."""
    return value is True or _text(value).lower() in ('true', 'yes', '1')


def _dict(value):
    return value if isinstance(value, dict) else {}


def _error(value):
    """An error message as one sentence, without ansible-core's 'Task failed: ' prefixes."""
    text = ' '.join(_text(value).split())
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text, changed = text[len(prefix):], True
    if text and text[-1] not in '.!?':
        text += '.'
    return text


def _decimal(value, language, places=1):
    text = ('%.' + str(places) + 'f') % value
    return text.replace('.', ',') if language == 'id' else text


def size_text(value, language='id'):
    """Bytes in words: 512 B, 1,5 GB (decimal comma in Bahasa Indonesia)."""
    number = _num(value)
    if number is None:
        return None
    for unit in ('B', 'KB', 'MB', 'GB', 'TB'):
        if abs(number) < 1024 or unit == 'TB':
            return ('%d B' % number) if unit == 'B' else '%s %s' % (_decimal(number, language), unit)
        number /= 1024.0
    return None  # pragma: no cover


def age_text(seconds, labels):
    """Seconds in words: 25 mnt, 3 jam 5 mnt, 4 hari 2 jam."""
    number = _num(seconds)
    if number is None:
        return None
    minutes = int(max(0, number) // 60)
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        return '%d %s %d %s' % (hours // 24, labels['days'], hours % 24, labels['hours'])
    if hours:
        return '%d %s %d %s' % (hours, labels['hours'], rest, labels['minutes'])
    return '%d %s' % (rest, labels['minutes'])


def _backup(obs, now, language, labels):
    raw = _dict(obs.get('backup'))
    record = _dict(raw.get('record'))
    verified = _bool(record.get('verified'))
    # the age by the record's own time and the court's clock (never a file's mtime)
    made = _num(raw.get('created_epoch'))
    age = (now - made) if verified and now is not None and made is not None else None
    newest = _text(raw.get('newest'))
    name = _text(record.get('name')) if verified else ''
    leftovers = [_dict(item) for item in raw.get('leftovers') or [] if isinstance(item, dict)]
    left_bytes = sum(_num(item.get('size_bytes')) or 0 for item in leftovers)
    # backups that are complete but damaged, renamed, or dated in the future of the court's clock: never the newest
    suspect = [dict(name=_text(item.get('name')), why='; '.join(_text(x) for x in item.get('problems') or []))
               for item in (_dict(x) for x in raw.get('suspect') or [] if isinstance(x, dict))]
    # the newest backup's tables without transactions, copied while SIPP was online without a lock
    nontx = _dict(raw.get('nontransactional'))
    nontx_tables = ['%s (%s)' % (_text(t.get('name')), _text(t.get('engine')))
                    for t in (_dict(x) for x in nontx.get('tables') or [] if isinstance(x, dict))]
    # what the newest backup could not hold (sipp_db_backup's left_out: events, routines of another definer)
    left_out = []
    for item in (_dict(x) for x in raw.get('left_out') or [] if isinstance(x, dict)):
        kind = labels.get('left_out_' + _text(item.get('kind'))) or _text(item.get('kind'))
        left_out.append(kind if _text(item.get('kind')) == 'events' else '%s %s' % (kind, _text(item.get('name'))))
    return dict(
        read=_bool(raw.get('read')),
        dir=_text(raw.get('dir')) or None,
        left_out=left_out,
        nontransactional=nontx_tables,
        nontransactional_consistent=None if not nontx_tables else nontx.get('consistent') is not False,
        nontransactional_why=_text(nontx.get('lock_error')) or None,
        name=name or None,
        created=(_text(record.get('created')) or None) if verified else None,
        age_seconds=None if age is None else int(max(0, age)),
        age_hours=None if age is None else round(max(0, age) / 3600.0, 1),
        age_text=age_text(age, labels),
        size_bytes=None if _num(raw.get('size_bytes')) is None else int(_num(raw.get('size_bytes'))),
        size_text=size_text(raw.get('size_bytes'), language) if verified else None,
        # verified: is the court's newest backup (by its record) the last good one? A newer one that did not
        # finish (a backup killed half-way, or running now) makes it no, and is named.
        verified=(bool(name) and newest == name) if _bool(raw.get('read')) else None,
        newest_unverified=newest if newest and newest != name else None,
        max_age_hours=_num(raw.get('max_age_hours')),
        # what interrupted work left (backup folders that did not finish, trees beside the application folder)
        leftovers=[dict(name=_text(item.get('name')), what=_text(item.get('what')),
                        size_text=size_text(item.get('size_bytes'), language)) for item in leftovers],
        leftover_bytes=int(left_bytes),
        leftover_text=size_text(left_bytes, language) if leftovers else None,
        suspect=suspect,
    )


def _clock(obs):
    """The court's clock against the controller's, as module sipp_backups compared them."""
    raw = _dict(obs.get('clock'))
    skew = _num(raw.get('skew_seconds'))
    return dict(read=bool(raw), skew_seconds=None if skew is None else int(skew), skewed=_bool(raw.get('skewed')),
                court=_text(raw.get('court')) or None, controller=_text(raw.get('controller')) or None,
                text=_text(raw.get('text')) or None)


def _sync(obs, labels):
    raw = obs.get('sync')
    if not isinstance(raw, dict) or not raw.get('status'):
        return dict(checked=False, ok=None, status=None, stamp=None, age_seconds=None, age_minutes=None,
                    age_text=None, max_age_minutes=_num(obs.get('sync_max_age')), fresh=None, triggered=None,
                    detail=None)
    age = _num(raw.get('age_seconds'))
    ok = _bool(raw.get('ok'))
    return dict(
        checked=True,
        ok=ok,
        status=_text(raw.get('status')),
        stamp=_text(raw.get('stamp')) or None,
        age_seconds=None if age is None else int(age),
        age_minutes=None if age is None else int(age // 60),
        age_text=age_text(age, labels),
        max_age_minutes=_num(obs.get('sync_max_age')),
        # the stamp's age against the limit: only a stale stamp is too old; unreadable is unknown
        fresh={'stale': False, 'unreachable': None, 'unknown': None}.get(_text(raw.get('status')), True),
        triggered=_bool(raw.get('triggered')),
        detail=_text(raw.get('reason')) or None,
    )


def _disk(obs, language):
    raw = _dict(obs.get('disk'))
    total, used, free = (_num(raw.get(k)) for k in ('total_bytes', 'used_bytes', 'free_bytes'))
    base = (used + free) if used is not None and free is not None else None
    percent = round(free * 100.0 / base, 1) if base else None
    database, margin = _num(raw.get('database_bytes')), _num(raw.get('margin_percent'))
    need = int(database * (100 + margin) / 100) if database is not None and margin is not None else None
    return dict(
        read=free is not None,
        path=_text(raw.get('path')) or None,
        mount=_text(raw.get('mount')) or None,
        total_bytes=None if total is None else int(total),
        free_bytes=None if free is None else int(free),
        free_percent=percent,
        free_percent_text=_fmt(percent, language),
        free_text=size_text(free, language),
        total_text=size_text(total, language),
        min_free_percent=_num(raw.get('min_free_percent')),
        need_bytes=need,
        need_text=size_text(need, language),
        margin_percent=margin,
    )


def _fmt(number, language):
    """A threshold or percent as people write it: 26, 12,5."""
    if number is None:
        return '-'
    return '%d' % number if float(number).is_integer() else _decimal(number, language)


def _problems(obs, job, backup, sync, disk, clock, language, reasons):
    """[(code, text)], in the order a reader should act on them."""
    out = []

    def add(code, **fields):
        out.append((code, ' '.join(reasons[code].format(**fields).split())))

    if obs.get('_missing'):
        add('not_checked')
        return out
    job_error = _error(obs.get('job_error'))
    if not _bool(obs.get('reachable', True)):
        add('unreachable', error=_error(obs.get('error')) or job_error)
        return out
    if job_error:
        add({'backup': 'backup_failed', 'sync_check': 'sync_check_failed'}.get(job, 'job_failed'), error=job_error)
    if _text(obs.get('error')):
        add('monitor_failed', error=_error(obs.get('error')).rstrip('.'))
    if backup['read'] and not backup['name']:
        add('backup_missing', dir=backup['dir'] or '-')
    elif backup['name'] and backup['age_hours'] is not None and backup['max_age_hours'] is not None \
            and backup['age_seconds'] > backup['max_age_hours'] * 3600:
        add('backup_old', name=backup['name'], age=backup['age_text'], limit=_fmt(backup['max_age_hours'], language))
    if backup['name'] and backup['nontransactional_consistent'] is False:
        add('backup_inconsistent', name=backup['name'], tables=', '.join(backup['nontransactional']),
            why=backup['nontransactional_why'] or reasons['lock_off'])
    if backup['name'] and backup['left_out']:
        add('backup_incomplete', name=backup['name'], items=', '.join(backup['left_out']))
    if backup['suspect']:
        add('backup_suspect', items='; '.join('%s (%s)' % (x['name'], x['why']) for x in backup['suspect']))
    if clock['skewed']:
        add('clock_skew', text=clock['text'] or '')
    if sync['checked'] and not sync['ok']:
        status = sync['status'] if sync['status'] in SYNC_PROBLEMS else 'unknown'
        add('sync_' + status, stamp=sync['stamp'] or '-', age=sync['age_text'] or '-',
            limit=_fmt(sync['max_age_minutes'], language), detail=sync['detail'] or '')
    if disk['read']:
        if disk['min_free_percent'] is not None and disk['free_percent'] is not None \
                and disk['free_percent'] < disk['min_free_percent']:
            add('disk_low', path=disk['path'] or disk['mount'] or '-', free=disk['free_text'],
                percent=_fmt(disk['free_percent'], language), limit=_fmt(disk['min_free_percent'], language))
        if disk['need_bytes'] is not None and disk['free_bytes'] < disk['need_bytes']:
            add('disk_next_backup', path=disk['path'] or disk['mount'] or '-', free=disk['free_text'],
                need=disk['need_text'], margin=_fmt(disk['margin_percent'], language))
    return out


def _tonight(obs, job, labels):
    """The backup job's own run on this court: ok, failed, check (a --check preview), or None (not this job)."""
    if job != 'backup' or obs.get('_missing'):
        return dict(ran=False, status=None, name=None, error=None, text=None)
    result = obs.get('tonight')
    error = _error(obs.get('job_error')) or (_error(obs.get('error')) if not _bool(obs.get('reachable', True)) else '')
    if error:
        status = 'failed'
    elif isinstance(result, dict) and _bool(result.get('verified')):
        status = 'ok'
    elif isinstance(result, dict):
        status = 'check'
    else:
        status = None
    name = _text(_dict(result).get('name')) or None
    text = labels['tonight_' + (status or 'none')]
    if status == 'ok' and name:
        text = '%s: %s' % (text, name)
    return dict(ran=status is not None, status=status, name=name, error=error or None, text=text)


def _court(obs, job, language, words):
    labels, reasons = words['labels'], words['reasons']
    identity = _dict(obs.get('identity'))
    now = _num(obs.get('now'))
    backup = _backup(obs, now, language, labels)
    sync = _sync(obs, labels)
    disk = _disk(obs, language)
    clock = _clock(obs)
    problems = _problems(obs, job, backup, sync, disk, clock, language, reasons)
    status = 'perhatian' if problems else 'baik'
    return dict(
        court=_text(obs.get('court')),
        nama=_text(identity.get('nama')) or None,
        kode_satker=_text(identity.get('kode_satker')) or None,
        pengadilan_tinggi=_text(identity.get('pengadilan_tinggi')) or None,
        version=_text(identity.get('version')) or None,
        checked=not obs.get('_missing') and _bool(obs.get('reachable', True)),
        status=status,
        status_text=words['status'][status],
        attention=bool(problems),
        problems=[problem[0] for problem in problems],
        reasons=[problem[1] for problem in problems],
        error=_error(obs.get('error')) or None,
        tonight=_tonight(obs, job, labels),
        backup=backup,
        sync=sync,
        disk=disk,
        clock=clock,
    )


def monitor_data(results, messages, language='id', job='', title='', generated=None, hosts=None):
    """The monitoring report model: {kind, job, job_text, title, generated, language, regions, summary, courts}."""
    language, words = _words(messages, language)
    job = _text(job)
    if job not in JOBS:
        raise AnsibleFilterError("sipp_monitor_data: job must be one of backup, sync_check or empty, not %r" % job)
    if results is None:
        results = []
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError("sipp_monitor_data: the results must be a list of sipp_monitor_result dicts")
    seen = {}
    for obs in results:
        if not isinstance(obs, dict) or not _text(obs.get('court')):
            raise AnsibleFilterError("sipp_monitor_data: every result must be a dict with its court, not %r" % (obs,))
        seen[_text(obs['court'])] = obs
    # a court of the job that left no result stopped answering before it was checked
    for host in hosts or []:
        seen.setdefault(_text(host), {'court': _text(host), '_missing': True})
    courts = [_court(obs, job, language, words) for obs in seen.values()]
    courts.sort(key=lambda c: (not c['attention'], c['kode_satker'] or '', c['nama'] or '', c['court']))
    attention = sum(1 for c in courts if c['attention'])
    summary = dict(perhatian=attention, baik=len(courts) - attention, total=len(courts))
    regions = []
    for court in courts:
        if court['pengadilan_tinggi'] and court['pengadilan_tinggi'] not in regions:
            regions.append(court['pengadilan_tinggi'])
    if generated is None:
        generated = datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()
    return dict(
        kind='pemantauan-sipp',
        job=job,
        job_text=words['jobs'][job or 'none'],
        title=_text(title) or words['title'],
        generated=generated,
        language=language,
        regions=regions,
        summary=summary,
        courts=courts,
    )


def _yes_no(value, labels):
    return '' if value is None else labels['word_yes' if value else 'word_no']


def monitor_csv(model, messages, bom=True):
    """One row per court, attention first, header in the report's language; UTF-8 (with BOM), CRLF."""
    if not isinstance(model, dict) or model.get('kind') != 'pemantauan-sipp':
        raise AnsibleFilterError("sipp_monitor_csv: expects the model made by pengadilan.sipp.sipp_monitor_data")
    words = _words(messages, model.get('language'))[1]
    labels = words['labels']
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow([labels[f] for f in CSV_FIELDS])
    for c in model['courts']:
        b, s, d = c['backup'], c['sync'], c['disk']
        row = dict(
            kode_satker=c['kode_satker'], nama=c['nama'], court=c['court'], version=c['version'],
            status=words['status_codes'].get(c['status'], c['status']), status_text=c['status_text'],
            reasons=' | '.join(c['reasons']),
            backup_name=b['name'], backup_created=b['created'], backup_age_hours=b['age_hours'],
            backup_size_bytes=b['size_bytes'] if b['name'] else None, backup_verified=_yes_no(b['verified'], labels),
            backup_max_age_hours=_fmt(b['max_age_hours'], 'en') if b['max_age_hours'] is not None else None,
            leftover_names=', '.join(x['name'] for x in b['leftovers']) or None,
            leftover_bytes=b['leftover_bytes'] if b['leftovers'] else None,
            tonight=c['tonight']['text'] if c['tonight']['ran'] else None,
            sync_stamp=s['stamp'], sync_age_minutes=s['age_minutes'], sync_fresh=_yes_no(s['fresh'], labels),
            sync_max_age_minutes=_fmt(s['max_age_minutes'], 'en') if s['max_age_minutes'] is not None else None,
            disk_path=d['path'], disk_free_bytes=d['free_bytes'], disk_total_bytes=d['total_bytes'],
            disk_free_percent=d['free_percent'],
            disk_min_free_percent=_fmt(d['min_free_percent'], 'en') if d['min_free_percent'] is not None else None,
            disk_need_bytes=d['need_bytes'],
            backups_suspect='; '.join('%s (%s)' % (x['name'], x['why']) for x in b['suspect']) or None,
            clock_skew_seconds=c['clock']['skew_seconds'] if c['clock']['skewed'] else None,
        )
        writer.writerow([_cell(row[f]) for f in CSV_FIELDS])
    return ('\ufeff' if bom else '') + out.getvalue()


class FilterModule(object):
    """pengadilan.sipp monitoring report filters."""

    def filters(self):
        return {
            'sipp_monitor_data': _unsafe(monitor_data),
            'sipp_monitor_csv': _unsafe(monitor_csv),
        }
