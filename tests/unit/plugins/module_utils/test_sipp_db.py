# -*- coding: utf-8 -*-
"""sipp_db: both backends against a real scratch MariaDB (fixture mariadb_server in tests/unit/conftest.py)."""

from __future__ import (absolute_import, division, print_function)

import os
import stat
import subprocess

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_db
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_config import (
    SippConfigError, parse_database_php_text)

BACKENDS = ['pymysql', 'cli']
TRANSPORTS = ['socket', 'tcp']
NASTY_VALUES = ["it's", 'say "hi"', '$HOME', 'back\\slash', ' lead and trail ', '#hash;semi', '\\\'', '%s %%',
                "a\tb\nc\rd", 'NULL', '', "\\0end", 'caf\u00e9']


def _params(db, transport, user=None, password=None, database='SIPP', charset='latin1'):
    params = dict(user=user or db.app_user, password=db.app_password if password is None else password,
                  database=database, charset=charset, connect_timeout=5)
    if transport == 'socket':
        params.update(host='localhost', unix_socket=db.socket, port=3306)
    else:
        params.update(host='127.0.0.1', port=db.port, unix_socket=None)
    return params


@pytest.mark.parametrize('transport', TRANSPORTS)
@pytest.mark.parametrize('backend', BACKENDS)
def test_connect_with_nasty_password_and_query(mariadb_server, backend, transport):
    conn = sipp_db.connect(_params(mariadb_server, transport), backend)
    try:
        assert conn.backend == backend
        assert 'MariaDB' in conn.server_version
        assert conn.query_value('SELECT value FROM sys_config WHERE id = 80') == '5.2.0'
        assert conn.query_value('SELECT value FROM sys_config WHERE id = %s', (62,)) == 'Pengadilan Negeri Bandung'
        rows = conn.query('SELECT perkara_id, pihak1_text, petitum_dok FROM perkara ORDER BY perkara_id')
        assert rows == [
            {'perkara_id': '1', 'pihak1_text': 'Andi\tBudi\nCitra', 'petitum_dok': None},
            {'perkara_id': '2', 'pihak1_text': 'NULL', 'petitum_dok': 'petitum/2.pdf'},
            {'perkara_id': '3', 'pihak1_text': 'Jos\u00e9', 'petitum_dok': ''},
        ]
        assert conn.query('SELECT 1 AS a FROM DUAL WHERE 1 = 0') == []
        assert conn.query_one('SELECT 1 AS a FROM DUAL WHERE 1 = 0') is None
        assert conn.query("DO 1") == []
        assert conn.query('SELECT id FROM sys_config WHERE id IN %s ORDER BY id', ((6, 80),)) == [
            {'id': '6'}, {'id': '80'}]
    finally:
        conn.close()


@pytest.mark.parametrize('backend', BACKENDS)
def test_both_backends_return_the_same(mariadb_server, backend):
    sql = ('SELECT perkara_id, nomor_perkara, pihak1_text, petitum_dok, NOW() - NOW() AS zero, '
           "CAST('2025-01-31 08:00:00' AS DATETIME) AS dt, CAST('2025-01-31' AS DATE) AS d, 1.50 AS dec_ "
           'FROM perkara ORDER BY perkara_id')
    with sipp_db.connect(_params(mariadb_server, 'socket'), 'pymysql') as a:
        expected = a.query(sql)
    with sipp_db.connect(_params(mariadb_server, 'tcp'), backend) as b:
        assert b.query(sql) == expected
    assert expected[0]['dt'] == '2025-01-31 08:00:00'
    assert expected[0]['d'] == '2025-01-31'
    assert expected[0]['dec_'] == '1.50'


@pytest.mark.parametrize('charset', ['latin1', 'utf8', 'utf8mb4'])
@pytest.mark.parametrize('backend', BACKENDS)
def test_arguments_round_trip(mariadb_server, backend, charset):
    with sipp_db.connect(_params(mariadb_server, 'tcp', charset=charset), backend) as conn:
        for value in NASTY_VALUES:
            got = conn.query_value('SELECT %s AS v', (value,))
            assert got == value, (backend, charset, value)
        assert conn.query_value('SELECT %s AS v', (None,)) is None
        assert conn.query_value('SELECT %s + %s AS v', (2, 3)) == '5'
        assert conn.query_value("SELECT %(a)s AS v", {'a': "o'k"}) == "o'k"
        # a literal % without args is passed through untouched
        assert conn.query_value("SELECT '100%' AS v") == '100%'


@pytest.mark.parametrize('backend', BACKENDS)
def test_no_backslash_escapes_mode(mariadb_server, backend):
    mariadb_server.root_sql("SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES');")
    try:
        with sipp_db.connect(_params(mariadb_server, 'tcp'), backend) as conn:
            for value in ["it's", 'back\\slash', "\\'", 'a\\', "x\\'; SELECT 1; -- "]:
                assert conn.query_value('SELECT %s AS v', (value,)) == value
    finally:
        mariadb_server.root_sql("SET GLOBAL sql_mode = REPLACE(@@GLOBAL.sql_mode, 'NO_BACKSLASH_ESCAPES', '');")


@pytest.mark.parametrize('transport', TRANSPORTS)
@pytest.mark.parametrize('backend', BACKENDS)
def test_wrong_password_is_scrubbed(mariadb_server, backend, transport):
    bad = mariadb_server.app_password + 'x'
    with pytest.raises(sipp_db.SippDbError) as info:
        sipp_db.connect(_params(mariadb_server, transport, password=bad), backend)
    exc = info.value
    assert exc.key == 'connect_failed'
    assert 'Access denied' in exc.params['error']
    assert exc.params['user'] == mariadb_server.app_user
    text = str(exc) + repr(exc.params)
    assert bad not in text and mariadb_server.app_password not in text


@pytest.mark.parametrize('backend', BACKENDS)
def test_unreachable_server(mariadb_server, backend, tmp_path):
    params = _params(mariadb_server, 'socket')
    params['unix_socket'] = str(tmp_path / 'none.sock')
    with pytest.raises(sipp_db.SippDbError) as info:
        sipp_db.connect(params, backend)
    assert info.value.key == 'connect_failed'
    assert 'none.sock' in info.value.params['target']


class FakeTime(object):
    """A clock that only pauses move; what each pause asked for is kept (and ``then`` runs after the n-th)."""

    def __init__(self, then=None, after=None):
        self.now = 0.0
        self.pauses = []
        self.then, self.after = then, after

    def clock(self):
        return self.now

    def pause(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds
        if self.then and len(self.pauses) == self.after:
            self.then()


@pytest.mark.parametrize('backend', BACKENDS)
def test_a_server_that_does_not_answer_is_waited_for_quick_tries_first(mariadb_server, backend, tmp_path):
    params = _params(mariadb_server, 'socket')
    params.update(unix_socket=str(tmp_path / 'mysqld.sock'), connect_wait=3)
    fake = FakeTime()
    with pytest.raises(sipp_db.SippDbError) as info:
        sipp_db.connect(params, backend, clock=fake.clock, pause=fake.pause)
    assert fake.pauses == [0.25, 0.5, 1.0, 1.25] and info.value.params['waited'] == 3
    # the server is started again (its socket appears) after the third try: connected, and it says how long it took
    fake = FakeTime(then=lambda: os.symlink(mariadb_server.socket, params['unix_socket']), after=3)
    os.unlink(params['unix_socket']) if os.path.lexists(params['unix_socket']) else None
    conn = sipp_db.connect(params, backend, clock=fake.clock, pause=fake.pause)
    try:
        assert conn.query('SELECT 1 AS one') == [{'one': '1'}] and conn.waited == 1.8
    finally:
        conn.close()
    assert fake.pauses == [0.25, 0.5, 1.0]


@pytest.mark.parametrize('backend', BACKENDS)
def test_a_refused_login_is_never_waited_for(mariadb_server, backend):
    params = dict(_params(mariadb_server, 'tcp', password=mariadb_server.app_password + 'x'), connect_wait=60)
    fake = FakeTime()
    with pytest.raises(sipp_db.SippDbError) as info:
        sipp_db.connect(params, backend, clock=fake.clock, pause=fake.pause)
    assert 'Access denied' in info.value.params['error'] and fake.pauses == []
    assert 'waited' not in info.value.params


@pytest.mark.parametrize('backend', BACKENDS)
def test_query_error(mariadb_server, backend):
    with sipp_db.connect(_params(mariadb_server, 'socket'), backend) as conn:
        with pytest.raises(sipp_db.SippDbError) as info:
            conn.query('SELECT * FROM no_such_table')
    assert info.value.key == 'query_failed'
    assert 'no_such_table' in info.value.params['error']


def test_cli_credentials_only_in_option_file(mariadb_server, monkeypatch):
    """The client's argv and environment carry no secret; the option file is 0600, first, and removed."""
    seen = []
    real_popen = subprocess.Popen

    def spy(argv, *args, **kwargs):
        option_arg = argv[1]
        path = option_arg.split('=', 1)[1]
        mode = stat.S_IMODE(os.stat(path).st_mode)
        with open(path) as handle:
            content = handle.read()
        seen.append(dict(argv=list(argv), env=dict(kwargs.get('env') or os.environ), mode=mode, path=path,
                         content=content))
        return real_popen(argv, *args, **kwargs)

    monkeypatch.setattr(sipp_db.subprocess, 'Popen', spy)
    password = mariadb_server.app_password
    with sipp_db.connect(_params(mariadb_server, 'tcp'), 'cli') as conn:
        assert conn.query_value('SELECT CURRENT_USER() AS u').startswith(mariadb_server.app_user + '@')
    assert len(seen) == 2  # connection check + one query
    for call in seen:
        assert call['argv'][1].startswith('--defaults-extra-file=')
        assert call['mode'] == 0o600
        assert not os.path.exists(call['path'])
        joined = ' '.join(call['argv'])
        assert password not in joined
        assert '-p' not in call['argv'] and not any(a.startswith('--password') for a in call['argv'])
        assert 'MYSQL_PWD' not in call['env']
        assert not any(password in v for v in call['env'].values())
        assert 'password=' in call['content']
        assert set(call['env']) == {'PATH', 'HOME', 'LC_ALL'}
        assert call['env']['HOME'] == os.path.dirname(call['path'])
        assert not os.path.exists(call['env']['HOME'])


def test_cli_ignores_the_users_my_cnf(mariadb_server, monkeypatch, tmp_path):
    """A ~/.my.cnf is read AFTER --defaults-extra-file and would win: the client must not see it."""
    home = tmp_path / 'home'
    home.mkdir()
    (home / '.my.cnf').write_text('[client]\nuser=root\npassword="wrong"\nsocket=/nonexistent.sock\n'
                                  '[mysql]\ndatabase=mysql\n')
    monkeypatch.setenv('HOME', str(home))
    with sipp_db.connect(_params(mariadb_server, 'socket'), 'cli') as conn:
        row = conn.query_one('SELECT CURRENT_USER() AS u, DATABASE() AS d')
    assert row == {'u': mariadb_server.app_user + '@localhost', 'd': 'SIPP'}


def test_option_file_quoting_round_trip(mariadb_server):
    """What the client reads back from the option file is exactly the password (mysql --print-defaults)."""
    params = _params(mariadb_server, 'tcp')
    for pw in [mariadb_server.app_password, mariadb_server.web_password, '"', "'", '\\', ' x ', '#', ';', 'a"b\'c']:
        params['password'] = pw
        path = sipp_db.write_option_file(params)
        try:
            out = subprocess.check_output([mariadb_server.client, '--defaults-extra-file=%s' % path,
                                           '--print-defaults'], universal_newlines=True)
        finally:
            os.unlink(path)
        assert ('--password=%s' % pw) in out.splitlines()[-1] or ('--password=%s ' % pw) in out


def test_file_removed_when_client_cannot_start(mariadb_server, monkeypatch, tmp_path):
    monkeypatch.setattr(sipp_db.tempfile, 'tempdir', str(tmp_path))
    with pytest.raises(sipp_db.SippDbError):
        sipp_db.CliConnection(_params(mariadb_server, 'tcp'), client=str(tmp_path / 'no-such-client'))
    assert os.listdir(str(tmp_path)) == []


def test_backend_selection(monkeypatch):
    monkeypatch.setattr(sipp_db, 'HAS_PYMYSQL', False)
    assert sipp_db.select_backend('auto') == 'cli'
    with pytest.raises(sipp_db.SippDbError) as info:
        sipp_db.select_backend('pymysql')
    assert info.value.key == 'driver_missing'
    monkeypatch.setattr(sipp_db, 'find_client', lambda module=None: None)
    with pytest.raises(sipp_db.SippDbError) as info:
        sipp_db.select_backend('auto')
    assert info.value.key == 'client_missing'
    with pytest.raises(sipp_db.SippDbError):
        sipp_db.select_backend('cli')
    monkeypatch.setattr(sipp_db, 'HAS_PYMYSQL', True)
    assert sipp_db.select_backend('auto') == 'pymysql'


def test_auto_without_pymysql_uses_cli(mariadb_server, monkeypatch):
    monkeypatch.setattr(sipp_db, 'HAS_PYMYSQL', False)
    with sipp_db.connect(_params(mariadb_server, 'socket'), 'auto') as conn:
        assert conn.backend == 'cli'
        assert conn.query_value('SELECT value FROM sys_config WHERE id = 80') == '5.2.0'


# ----------------------------------------------------------------------------------- connection_params

def _config(body):
    return parse_database_php_text("<?php\n$active_group = 'default';\n" + body, '/x/database.php')


def test_params_localhost_uses_first_existing_socket(tmp_path):
    sock = tmp_path / 'mysql.sock'
    sock.write_text('')
    cfg = _config("$db['default']['hostname'] = 'localhost';\n$db['default']['username'] = 'u';\n"
                  "$db['default']['password'] = 'p';\n$db['default']['database'] = 'SIPP';\n"
                  "$db['default']['char_set'] = 'latin1';\n")
    params = sipp_db.connection_params(config=cfg, group='default',
                                       socket_candidates=[str(tmp_path / 'nope.sock'), str(sock)])
    assert params['unix_socket'] == str(sock)
    assert params['host'] == 'localhost'
    assert params['socket_found'] is True
    assert (params['user'], params['password'], params['database'], params['charset']) == ('u', 'p', 'SIPP', 'latin1')


def test_params_localhost_without_socket_falls_back_to_tcp(tmp_path):
    cfg = _config("$db['default']['hostname'] = 'localhost';\n$db['default']['username'] = 'u';\n")
    params = sipp_db.connection_params(config=cfg, group='default', socket_candidates=[str(tmp_path / 'x')])
    assert params['unix_socket'] is None
    assert params['host'] == '127.0.0.1'
    assert params['port'] == 3306
    assert params['socket_found'] is False
    assert params['password'] == ''
    assert params['charset'] == 'utf8'


def test_params_ip_is_tcp_with_port():
    cfg = _config("$db['default']['hostname'] = '10.0.0.5';\n$db['default']['username'] = 'u';\n"
                  "$db['default']['port'] = '3307';\n")
    params = sipp_db.connection_params(config=cfg, group='default', socket_candidates=[])
    assert (params['host'], params['port'], params['unix_socket']) == ('10.0.0.5', 3307, None)


def test_params_hostname_forms():
    for hostname, expected in [('10.0.0.5:3310', ('10.0.0.5', 3310, None)),
                               ('localhost:/var/lib/mysql/mysql.sock', ('localhost', 3306,
                                                                        '/var/lib/mysql/mysql.sock')),
                               ('p:10.0.0.6', ('10.0.0.6', 3306, None)),
                               ('', ('127.0.0.1', 3306, None))]:
        cfg = _config("$db['default']['hostname'] = '%s';\n$db['default']['username'] = 'u';\n" % hostname)
        params = sipp_db.connection_params(config=cfg, group='default', socket_candidates=[])
        assert (params['host'], params['port'], params['unix_socket']) == expected, hostname


def test_params_login_overrides_file(tmp_path):
    cfg = _config("$db['default']['hostname'] = 'localhost';\n$db['default']['username'] = 'u';\n"
                  "$db['default']['password'] = \"p$x\";\n$db['default']['database'] = 'SIPP';\n")
    login = dict(login_host='192.168.1.9', login_port=3399, login_user='admin', login_password='secret',
                 login_unix_socket=None, login_db='sipp2', connect_timeout=3, connect_wait=7)
    params = sipp_db.connection_params(login=login, config=cfg, group='default', socket_candidates=[])
    assert params == dict(host='192.168.1.9', port=3399, unix_socket=None, user='admin', password='secret',
                          database='sipp2', charset='utf8', connect_timeout=3, connect_wait=7, socket_found=None)
    # login_unix_socket alone replaces a TCP host of the file
    cfg2 = _config("$db['default']['hostname'] = '10.1.1.1';\n$db['default']['username'] = 'u';\n")
    params = sipp_db.connection_params(login=dict(login_unix_socket='/tmp/s.sock'), config=cfg2, group='default')
    assert (params['host'], params['unix_socket']) == ('localhost', '/tmp/s.sock')
    # the password of the file cannot be read (interpolation) and is not overridden -> error
    with pytest.raises(SippConfigError) as info:
        sipp_db.connection_params(login=dict(login_user='x'), config=cfg, group='default', socket_candidates=[])
    assert info.value.key == 'config_interpolation'
    assert info.value.params['line'] == 5


def test_params_missing_group():
    cfg = _config("$db['default']['hostname'] = 'localhost';\n")
    with pytest.raises(SippConfigError) as info:
        sipp_db.connection_params(config=cfg, group='web')
    assert info.value.key == 'config_group_missing'
    assert info.value.params['groups'] == 'default'


def test_literal_and_format_query():
    assert sipp_db.literal(None) == 'NULL'
    assert sipp_db.literal(True) == '1'
    assert sipp_db.literal(12) == '12'
    assert sipp_db.literal("a'b\\c") == "'a\\'b\\\\c'"
    assert sipp_db.literal("a'b\\c", no_backslash_escapes=True) == "'a''b\\c'"
    assert sipp_db.literal(b'\x00\xff') == "X'00ff'"
    assert sipp_db.format_query('SELECT %s, %s', ("x", 1)) == "SELECT 'x', 1"
    assert sipp_db.format_query("SELECT '%'", None) == "SELECT '%'"


def test_parse_xml_output_nil_and_empty():
    text = ('<?xml version="1.0"?>\n\n<resultset statement="x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '\n  <row>\n\t<field name="a">1</field>\n\t<field name="b" xsi:nil="true" />\n\t<field name="c"></field>'
            '\n\t<field name="d">NULL</field>\n  </row>\n</resultset>\n')
    assert sipp_db.parse_xml_output(text) == [{'a': '1', 'b': None, 'c': '', 'd': 'NULL'}]
    assert sipp_db.parse_xml_output('') == []


def test_login_argument_spec():
    spec = sipp_db.sipp_login_argument_spec()
    assert spec['login_password']['no_log'] is True
    assert spec['db_client_backend']['choices'] == ['auto', 'pymysql', 'cli']
    assert set(spec) == {'login_host', 'login_port', 'login_user', 'login_password', 'login_unix_socket',
                         'login_db', 'connect_timeout', 'connect_wait', 'db_client_backend'}
