# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The message catalogue and the error of the module layer (module_utils/sipp_messages.py), and the rule that every
file of plugins/ speaks through them: one catalogue pattern, one error base class, no message wrapper of its own."""
from __future__ import (absolute_import, division, print_function)

import ast
import os
import re

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_common
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError

PLUGINS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins')


def test_a_catalogue_falls_back_to_indonesian_and_puts_coded_values_into_words():
    catalogue = Catalogue({'id': {'a': 'satu {x}', 'b': 'dua', 'c': '{action} {kind}'}, 'en': {'a': 'one {x}'}},
                          terms={'id': {'action': {'write': 'menulis'}}, 'en': {'action': {'write': 'write'}}})
    assert catalogue.text('en', 'a', x=1) == 'one 1'
    assert catalogue.text('en', 'b') == 'dua'               # missing in English: its Indonesian text
    assert catalogue.text('xx', 'a', x=2) == 'satu 2'       # an unknown language speaks Indonesian
    assert catalogue.text('en', 'zz') == 'zz'               # a key missing everywhere is given as it is
    assert catalogue.text('id', 'a') == 'satu {x}'          # a placeholder not given: the text as it is
    assert catalogue.text('id', 'c', action='write', kind='x') == 'menulis x'
    assert catalogue.text('en', 'c', action='write', kind='x') == 'write x'
    assert catalogue['id']['b'] == 'dua'                    # read like the dict it is
    assert sipp_common.MESSAGES.text('en', 'no_app_found', paths='/x').startswith('No SIPP application folder')


def test_an_error_names_its_problem_its_key_and_renders_in_the_language_asked():
    class OwnError(SippError):
        catalogue = Catalogue({'id': {'full': 'Disk {path} penuh.', 'disk': 'Disk bermasalah.'},
                               'en': {'full': 'Disk {path} is full.'}})

    exc = OwnError('disk', key='full', path='/var/backups')
    assert (exc.problem, exc.key, exc.params, exc.details) == ('disk', 'full', {'path': '/var/backups'}, {})
    assert exc.render('id') == 'Disk /var/backups penuh.' and exc.render('en') == 'Disk /var/backups is full.'
    assert str(exc) == 'Disk /var/backups is full.'
    said = OwnError.said('id', 'full', details={'app_path': '/x'}, path='/y')
    assert said.text == 'Disk /y penuh.' and said.render('en') == 'Disk /y penuh.' and said.details == {'app_path': '/x'}
    # without a catalogue (worded by whoever catches it): its key and params
    bare = SippError('connect_failed', error='refused')
    assert bare.key == bare.problem == 'connect_failed' and str(bare) == 'connect_failed (error=refused)'
    assert bare.render('id') == 'connect_failed'
    # what the server itself said is the cause, else the key
    assert bare.cause == 'refused' and SippError('client_missing').cause == 'client_missing'


def _python_files():
    for root, dummy, names in os.walk(PLUGINS):
        for name in sorted(names):
            if name.endswith('.py'):
                yield os.path.join(root, name)


def test_every_error_of_plugins_is_a_sipp_error_and_no_file_wraps_the_catalogue_again():
    errors, wrappers, catalogues = [], [], []
    for path in _python_files():
        with open(path) as handle:
            tree = ast.parse(handle.read())
        rel = os.path.relpath(path, PLUGINS)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [getattr(b, 'id', getattr(b, 'attr', '')) for b in node.bases]
                if any(b in ('Exception', 'ValueError', 'RuntimeError', 'OSError') for b in bases):
                    errors.append('%s: %s' % (rel, node.name))
            # (Catalogue.text itself is the one helper)
            if isinstance(node, ast.FunctionDef) and re.match(r'^(_?(msg|m|t|message|say)|text)$', node.name) \
                    and rel != os.path.join('module_utils', 'sipp_messages.py'):
                wrappers.append('%s: %s' % (rel, node.name))
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', '') == 'MESSAGES' for t in node.targets):
                if not (isinstance(node.value, ast.Call) and getattr(node.value.func, 'id', '') == 'Catalogue'):
                    catalogues.append(rel)
    # the parser's internal signal is no error anyone sees
    assert sorted(errors) == ['module_utils/sipp_config.py: _Unsupported', 'module_utils/sipp_messages.py: SippError'], \
        errors
    assert wrappers == [], wrappers
    assert catalogues == [], catalogues


@pytest.mark.parametrize('language', ['id', 'en'])
def test_every_catalogue_speaks_both_languages(language):
    from ansible_collections.pengadilan.sipp.plugins.module_utils import (
        sipp_backups, sipp_links, sipp_lock, sipp_migrate, sipp_package, sipp_tree_messages)
    for module in (sipp_common, sipp_backups, sipp_links, sipp_lock, sipp_migrate, sipp_package, sipp_tree_messages):
        assert isinstance(module.MESSAGES, Catalogue) and module.MESSAGES.get(language), module.__name__
