# -*- coding: utf-8 -*-
"""sipp_common: the court's clock against the controller's, told to people. Times are given (``now``): the machine's
clock is never touched."""

from __future__ import (absolute_import, division, print_function)

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import (
    clock_report, duration_text)

NOW = 1796000000.0


def test_a_clock_days_behind_or_ahead_is_reported_in_both_languages():
    behind = clock_report('id', NOW + 3 * 86400 + 2 * 3600, now=NOW)
    assert behind['skewed'] and behind['skew_seconds'] == -(3 * 86400 + 2 * 3600)
    assert behind['text'].startswith('Jam server pengadilan ini 3 hari 2 jam lebih lambat')
    ahead = clock_report('en', NOW - 30 * 86400, now=NOW)
    assert ahead['skewed'] and ahead['skew_seconds'] == 30 * 86400
    assert "30 day(s) ahead of the controller's" in ahead['text'] and 'Jam' not in ahead['text']


def test_a_few_seconds_of_transport_are_not_a_wrong_clock():
    report = clock_report('id', NOW - 4, now=NOW)
    assert not report['skewed'] and report['text'] == '' and report['skew_seconds'] == 4
    assert clock_report('id', NOW - 400, tolerance=600, now=NOW)['skewed'] is False
    assert clock_report('id', None, now=NOW) is None


def test_durations_read_as_people_write_them():
    assert duration_text('id', 59) == '59 detik'
    assert duration_text('id', 3 * 86400 + 2 * 3600 + 5 * 60) == '3 hari 2 jam'
    assert duration_text('en', -(45 * 60)) == '45 minute(s)'


def test_durations_are_rounded_to_what_is_shown():
    assert duration_text('id', 3 * 86400 - 2) == '3 hari'
    assert duration_text('en', 2 * 3600 + 59 * 60 + 50) == '3 hour(s)'
    assert duration_text('id', 86400 + 30 * 60) == '1 hari'   # rounded half-hours go to the even hour
    assert duration_text('id', 3600 + 60) == '1 jam 1 menit'
    assert duration_text('id', 0) == '0 detik'
