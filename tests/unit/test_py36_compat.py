# -*- coding: utf-8 -*-
"""Module code runs on the court server's Python: CentOS 7 has Python 3.6. Compile and run it there.

Needs /root/.pyenv/versions/3.6.15/bin/python3.6 (or $SIPP_PYTHON36); fails, never skips, when it is missing.
"""

from __future__ import (absolute_import, division, print_function)

import json
import os
import subprocess
import textwrap

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON36 = os.environ.get('SIPP_PYTHON36', '/root/.pyenv/versions/3.6.15/bin/python3.6')
MODULE_UTILS = os.path.join(REPO_ROOT, 'plugins', 'module_utils')
CODE_DIRS = [os.path.join(REPO_ROOT, 'plugins', d) for d in ('modules', 'module_utils', 'doc_fragments')]


@pytest.fixture(scope='module')
def python36():
    if not (os.path.isfile(PYTHON36) and os.access(PYTHON36, os.X_OK)):
        pytest.fail('Python 3.6 is needed to check module code for CentOS 7 and was not found at %s '
                    '(set SIPP_PYTHON36 to its path)' % PYTHON36)
    version = subprocess.check_output([PYTHON36, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                                      universal_newlines=True).strip()
    assert version == '3.6', 'expected Python 3.6 at %s, found %s' % (PYTHON36, version)
    return PYTHON36


def run36(python36, script, *args):
    proc = subprocess.Popen([python36, '-c', textwrap.dedent(script)] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, 'Python 3.6 failed:\n%s' % err
    return out


def code_files():
    files = []
    for d in CODE_DIRS:
        for name in sorted(os.listdir(d)):
            if name.endswith('.py'):
                files.append(os.path.join(d, name))
    return files


def test_there_is_code_to_check():
    names = [os.path.basename(f) for f in code_files()]
    for expected in ('sipp_info.py', 'sipp_db.py', 'sipp_config.py', 'sipp_common.py', 'sipp_login.py'):
        assert expected in names


def test_py_compile_every_module_file(python36, tmp_path):
    script = """
        import py_compile, os, sys
        out, files = sys.argv[1], sys.argv[2:]
        bad = []
        for i, f in enumerate(files):
            try:
                py_compile.compile(f, cfile=os.path.join(out, '%d.pyc' % i), doraise=True)
            except py_compile.PyCompileError as exc:
                bad.append(str(exc))
        if bad:
            sys.stderr.write('\\n'.join(bad))
            sys.exit(1)
        print(len(files))
    """
    files = code_files()
    assert run36(python36, script, str(tmp_path), *files).strip() == str(len(files))


LOAD = """
    import importlib.util, json, sys, types
    base = sys.argv[1]

    def load(name, path):
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod

    # the collection's package path, without Ansible installed
    pkg = 'ansible_collections.pengadilan.sipp.plugins.module_utils'
    parts = pkg.split('.')
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault('.'.join(parts[:i]), types.ModuleType('.'.join(parts[:i])))
    sys.modules[pkg].__path__ = [base]  # what a file imports is found beside it
    sipp_common = load(pkg + '.sipp_common', base + '/sipp_common.py')
    sipp_config = load(pkg + '.sipp_config', base + '/sipp_config.py')
"""


def test_parser_runs_on_python36(python36):
    script = LOAD + """
    text = sys.stdin.read()
    cfg = sipp_config.parse_database_php_text(text, 'database.php')
    web = dict((k, v) for k, v in cfg.group('web').items() if k != 'password')
    out = dict(active=cfg.active_group, default=cfg.group('default'), web=web)
    try:
        cfg.value('web', 'password')
    except sipp_config.SippConfigError as exc:
        out['error'] = [exc.key, exc.params['line'], sipp_common.MESSAGES.text('id', exc.key, **exc.params)]
    print(json.dumps(out))
    """
    sample = ("<?php\n$active_group = 'default';\n"
              "$db['default']['hostname'] = 'localhost';  # socket\n"
              "$db['default']['password'] = ' a\\'b\"c$d\\\\e f#g;h ';\n"
              "$db['default']['port'] = 3306;\n"
              "$db['web'] = array('hostname' => \"10.0.0.2\", 'password' => \"p$ass\", 'pconnect' => FALSE);\n")
    proc = subprocess.Popen([python36, '-c', textwrap.dedent(script), MODULE_UTILS], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    out, err = proc.communicate(sample, timeout=60)
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert result['active'] == 'default'
    assert result['default'] == {'hostname': 'localhost', 'password': ' a\'b"c$d\\e f#g;h ', 'port': 3306}
    assert result['web']['hostname'] == '10.0.0.2' and result['web']['pconnect'] is False
    assert result['error'][:2] == ['config_interpolation', 6]
    assert 'baris 6' in result['error'][2]


def test_cli_backend_runs_on_python36(python36, mariadb_server):
    """Python 3.6 without PyMySQL (as on CentOS 7): auto picks the client, nasty password, same results."""
    script = LOAD + """
    sipp_db = load(pkg + '.sipp_db', base + '/sipp_db.py')
    params = json.loads(sys.stdin.read())
    out = dict(has_pymysql=sipp_db.HAS_PYMYSQL, backend=sipp_db.select_backend('auto'))
    conn = sipp_db.connect(params, 'auto')
    out['version'] = conn.query_value('SELECT value FROM sys_config WHERE id = %s', (80,))
    out['rows'] = conn.query('SELECT perkara_id, pihak1_text, petitum_dok FROM perkara ORDER BY perkara_id')
    out['echo'] = conn.query_value('SELECT %s AS v', (params['password'],))
    params['password'] += 'wrong'
    try:
        sipp_db.connect(params, 'cli')
    except sipp_db.SippDbError as exc:
        out['error'] = [exc.key, str(exc)]
    print(json.dumps(out))
    """
    db = mariadb_server
    params = dict(host='127.0.0.1', port=db.port, unix_socket=None, user=db.app_user, password=db.app_password,
                  database='SIPP', charset='latin1', connect_timeout=5)
    proc = subprocess.Popen([python36, '-c', textwrap.dedent(script), MODULE_UTILS], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    out, err = proc.communicate(json.dumps(params), timeout=120)
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert result['has_pymysql'] is False, 'this check expects a Python 3.6 without PyMySQL, as on CentOS 7'
    assert result['backend'] == 'cli'
    assert result['version'] == '5.2.0'
    assert result['rows'] == [
        {'perkara_id': '1', 'pihak1_text': 'Andi\tBudi\nCitra', 'petitum_dok': None},
        {'perkara_id': '2', 'pihak1_text': 'NULL', 'petitum_dok': 'petitum/2.pdf'},
        {'perkara_id': '3', 'pihak1_text': 'Jos\u00e9', 'petitum_dok': ''},
    ]
    assert result['echo'] == db.app_password
    assert result['error'][0] == 'connect_failed'
    assert db.app_password not in result['error'][1]
