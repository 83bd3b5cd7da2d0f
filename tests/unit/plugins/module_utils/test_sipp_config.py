# -*- coding: utf-8 -*-
"""sipp_config: the database.php parser and SIPP folder discovery."""

from __future__ import (absolute_import, division, print_function)

import os

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_config import (
    SippConfigError, UnparsedValue, app_missing_markers, find_app_candidates, parse_database_php,
    parse_database_php_text)

CI2_STOCK = r"""<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
| -------------------------------------------------------------------
| DATABASE CONNECTIVITY SETTINGS
| -------------------------------------------------------------------
|	['hostname'] The hostname of your database server.
|   $db['default']['password'] = 'not-this-one';
*/

$active_group = 'default';
$active_record = TRUE;

$db['default']['hostname'] = 'localhost';
$db['default']['username'] = 'root';
$db['default']['password'] = 'R4hasia!';
$db['default']['database'] = 'SIPP';
$db['default']['dbdriver'] = 'mysqli';
$db['default']['dbprefix'] = '';
$db['default']['pconnect'] = TRUE;
$db['default']['db_debug'] = FALSE;
$db['default']['cache_on'] = FALSE;
$db['default']['cachedir'] = '';
$db['default']['char_set'] = 'latin1';
$db['default']['dbcollat'] = 'latin1_swedish_ci';
$db['default']['swap_pre'] = '';
$db['default']['autoinit'] = TRUE;
$db['default']['stricton'] = FALSE;

$db['web']['hostname'] = '10.10.1.2';
$db['web']['username'] = 'sync';
$db['web']['password'] = 'S1nk';
$db['web']['database'] = 'sipp_web';
$db['web']['port'] = 3307;


/* End of file database.php */
/* Location: ./application/config/database.php */
"""


def parse(body, header=True):
    text = ("<?php\n" + body) if header else body
    return parse_database_php_text(text, '/app/application/config/database.php')


def test_stock_codeigniter_file():
    cfg = parse_database_php_text(CI2_STOCK, 'database.php')
    assert cfg.active_group == 'default'
    assert cfg.default_group() == 'default'
    d = cfg.group('default')
    assert d['hostname'] == 'localhost'
    assert d['password'] == 'R4hasia!'
    assert d['pconnect'] is True and d['db_debug'] is False
    assert d['char_set'] == 'latin1'
    assert cfg.group('web') == dict(hostname='10.10.1.2', username='sync', password='S1nk', database='sipp_web',
                                    port=3307)
    assert cfg.group_names() == ['default', 'web']


@pytest.mark.parametrize('php, expected', [
    (r"'plain'", 'plain'),
    (r"'it\'s'", "it's"),
    (r"'back\\slash'", 'back\\slash'),
    (r"'keep\n\t\$'", 'keep\\n\\t\\$'),          # single quotes: only \\ and \' are escapes
    (r"'trail\\'", 'trail\\'),
    (r"'dq\"inside'", 'dq\\"inside'),
    (r"'\\\''", "\\'"),
    ("'# not a comment; // nor this /* nor */'", '# not a comment; // nor this /* nor */'),
    ("' spaces  around '", ' spaces  around '),
    (r'"double"', 'double'),
    (r'"esc \" \\ \$ \n \t \r \v \e \f"', 'esc " \\ $ \n \t \r \v \x1b \x0c'),
    (r'"unknown \q \d"', 'unknown \\q \\d'),
    (r'"octal \101\60 hex \x41\x4a uni \u{e9}"', 'octal A0 hex AJ uni \u00e9'),
    (r'"lone $ and $1 and 100$"', 'lone $ and $1 and 100$'),
    (r'"single \' quote"', "single \\' quote"),
    ('"multi\nline"', 'multi\nline'),
    ("'a' . 'b' . \"c\"", 'abc'),
    ("'port' . 3306", 'port3306'),
    ('3306', 3306),
    ('-1', -1),
    ('0x10', 16),
    ('1.5', 1.5),
    ('TRUE', True), ('true', True), ('False', False), ('NULL', None), ('null', None),
    ("('paren')", 'paren'),
    ("'caf\u00e9'", 'caf\u00e9'),
])
def test_values(php, expected):
    cfg = parse("$db['default']['password'] = %s;\n" % php)
    assert cfg.value('default', 'password') == expected


def test_nasty_passwords_single_and_double_quoted():
    nasty = " a'b\"c$d\\e f#g;h\\ "
    single = "'" + nasty.replace('\\', '\\\\').replace("'", "\\'") + "'"
    double = '"' + nasty.replace('\\', '\\\\').replace('"', '\\"').replace('$', '\\$') + '"'
    for literal in (single, double):
        cfg = parse("$db['default']['password'] = %s; // comment\n" % literal)
        assert cfg.value('default', 'password') == nasty


def test_comments_whitespace_and_alignment():
    cfg = parse("""
# hash comment with 'quote
// slash comment with "quote
/* block
   $db['default']['password'] = 'commented out';
*/
$db [ 'default' ] [ "hostname" ]    =    'h1'   ;   # trailing
$db['default']
   ['username']
   =
   'u1';
$db['default']['password']='p1';/* inline */$db['default']['database']='d1';
\t$db['default']['port']\t=\t3307\t;
""")
    assert cfg.group('default') == dict(hostname='h1', username='u1', password='p1', database='d1', port=3307)


def test_array_literal_forms():
    cfg = parse("""
$active_group = "main";
$query_builder = TRUE;
$db['main'] = array(
    'dsn'      => '',
    'hostname' => 'localhost',
    'username' => 'sipp',
    'password' => 'p\\'w#;',   // comment inside the array
    'database' => 'SIPP',
    'failover' => array(),
    'save_queries' => TRUE,
    'port' => 3306,
);
$db['web'] = [
    "hostname" => '10.0.0.9',
    'options' => ['a', 'b', 5 => 'c', 'd'],
];
$db['main']['password'] = 'later wins';
""")
    assert cfg.default_group() == 'main'
    main = cfg.group('main')
    assert main['password'] == 'later wins'
    assert main['failover'] == {}
    assert main['save_queries'] is True and main['port'] == 3306
    assert cfg.group('web')['options'] == {0: 'a', 1: 'b', 5: 'c', 6: 'd'}


def test_whole_db_array():
    cfg = parse("$db = array('default' => array('hostname' => 'x', 'password' => 'y'));\n")
    assert cfg.group('default') == {'hostname': 'x', 'password': 'y'}
    assert cfg.active_group is None
    assert cfg.default_group() == 'default'


def test_interpolation_is_reported_with_line_and_no_value():
    cfg = parse("$db['default']['hostname'] = 'h';\n$db['default']['password'] = \"Rahasia$Pengadilan1\";\n")
    assert cfg.value('default', 'hostname') == 'h'
    with pytest.raises(SippConfigError) as info:
        cfg.value('default', 'password')
    exc = info.value
    assert exc.key == 'config_interpolation'
    assert exc.params['line'] == 3
    assert exc.params['setting'] == "$db['default']['password']"
    assert 'Rahasia' not in str(exc) and 'Pengadilan1' not in str(exc)


def test_interpolation_forms():
    for literal in ('"a{$b}c"', '"$x"', '"pre $arr[0]"', '"a$_b"'):
        cfg = parse("$db['default']['password'] = %s;\n" % literal)
        assert cfg.group('default')['password'] == UnparsedValue(2, 'interpolation'), literal


def test_interpolation_inside_array_keeps_other_keys():
    cfg = parse("$db['default'] = array(\n  'hostname' => 'h',\n  'password' => \"x$y\",\n  'database' => 'SIPP',\n);\n")
    group = cfg.group('default')
    assert group['hostname'] == 'h' and group['database'] == 'SIPP'
    assert group['password'] == UnparsedValue(4, 'interpolation')


def test_unsupported_expression_only_fails_when_used():
    cfg = parse("$db['default']['cachedir'] = APPPATH . 'cache/';\n$db['default']['password'] = getenv('X');\n"
                "$db['default']['hostname'] = 'ok';\n")
    assert cfg.value('default', 'hostname') == 'ok'
    with pytest.raises(SippConfigError) as info:
        cfg.value('default', 'password')
    assert info.value.key == 'config_value_unsupported'
    assert info.value.params['line'] == 3
    assert cfg.group('default')['cachedir'] == UnparsedValue(2, 'expression')


@pytest.mark.parametrize('text, line', [
    ("<?php\n$db['default']['password'] = 'never closed;\n$x = 1;\n", 2),
    ("<?php\n\n$db['default']['password'] = \"never closed;\n", 3),
    ("<?php\n$a = 1;\n/* never closed\n$db['default']['password'] = 'x';\n", 3),
])
def test_syntax_errors_have_line_numbers(text, line):
    with pytest.raises(SippConfigError) as info:
        parse_database_php_text(text, '/srv/database.php')
    assert info.value.key == 'config_syntax'
    assert info.value.params['line'] == line
    assert info.value.params['file'] == '/srv/database.php'
    assert 'never closed' not in str(info.value)


def test_closing_tag_and_html_around():
    cfg = parse_database_php_text("garbage <b>html</b>\n<?php $db['default']['hostname'] = 'a' ?>\nmore html "
                                  "$db['default']['hostname'] = 'b';\n<?php $db['default']['username'] = 'u'; "
                                  "// comment ends at ?>\n", 'f')
    assert cfg.group('default') == {'hostname': 'a', 'username': 'u'}


def test_conditional_blocks_last_assignment_wins():
    cfg = parse("if (ENVIRONMENT === 'production') {\n  $db['default']['hostname'] = 'prod';\n} else {\n"
                "  $db['default']['hostname'] = 'dev';\n}\n")
    assert cfg.value('default', 'hostname') == 'dev'


def test_missing_group_and_key():
    cfg = parse("$db['default']['hostname'] = 'h';\n")
    with pytest.raises(SippConfigError) as info:
        cfg.group('web')
    assert info.value.key == 'config_group_missing'
    assert info.value.params['groups'] == 'default'
    with pytest.raises(SippConfigError) as info:
        cfg.value('default', 'username', required=True)
    assert info.value.key == 'config_key_missing'
    assert cfg.value('default', 'password', default='') == ''


def test_bom_crlf_and_latin1_file(tmp_path):
    path = tmp_path / 'database.php'
    path.write_bytes(b"\xef\xbb\xbf<?php\r\n$db['default']['hostname'] = 'h';\r\n"
                     b"$db['default']['password'] = 'p\xe9';\r\n")
    cfg = parse_database_php(str(path))
    # not valid UTF-8 -> read as Latin-1 (the BOM bytes become characters before <?php and are ignored as HTML)
    assert cfg.value('default', 'password') == 'p\u00e9'
    path.write_bytes(b"\xef\xbb\xbf<?php\r\n$db['default']['password'] = 'p\xc3\xa9';\r\n")
    assert parse_database_php(str(path)).value('default', 'password') == 'p\u00e9'


def test_unreadable_file(tmp_path):
    with pytest.raises(SippConfigError) as info:
        parse_database_php(str(tmp_path / 'missing.php'))
    assert info.value.key == 'config_unreadable'


def _make_app(root, name, with_system=True):
    app = root / name
    (app / 'application' / 'config').mkdir(parents=True)
    (app / 'application' / 'config' / 'database.php').write_text("<?php\n")
    (app / 'index.php').write_text("<?php\n")
    if with_system:
        (app / 'system').mkdir()
    return str(app)


def test_find_app_candidates_order_and_markers(tmp_path):
    html = tmp_path / 'html'
    html.mkdir()
    other = tmp_path / 'www'
    other.mkdir()
    _make_app(html, 'zeta')
    sipp311 = _make_app(html, 'SIPP311')
    sipp = _make_app(html, 'sipp')
    _make_app(html, 'SIPPbroken', with_system=False)
    lampp = _make_app(other, 'SIPP')
    os.symlink(sipp311, str(other / 'link_to_311'))
    # the tree an upgrade keeps beside the live one is hidden, and never a candidate
    _make_app(html, '.sipp.sipp-previous-5.2.0')
    found = find_app_candidates([str(html), str(other), str(tmp_path / 'absent')])
    assert found == [sipp, sipp311, lampp, str(html / "zeta")]
    assert app_missing_markers(str(html / 'SIPPbroken')) == ['system/']
    assert app_missing_markers(str(tmp_path)) == ['index.php', 'system/', os.path.join('application', 'config',
                                                                                       'database.php')]


def test_search_path_that_is_itself_the_app(tmp_path):
    app = _make_app(tmp_path, 'SIPP')
    assert find_app_candidates([app]) == [app]
    assert find_app_candidates([str(tmp_path / 'nothing')]) == []
