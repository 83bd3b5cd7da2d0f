"""database.php and config.php are valid PHP that gives back exactly the values written, for nasty values."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from sippsim import appconfig

NASTY = [
    "plain",
    "it's",
    'dou"ble',
    "$HOME and ${x} and {$y}",
    "back\\slash",
    "ends with backslash\\",
    "\\'",
    "\\\\'",
    "'; system('id'); $x='",
    "with spaces  and\ttab",
    "?> <?php echo 1; ?>",
    "multi\nline",
    "ünïcödé €",
    "",
]

pytestmark = pytest.mark.skipif(not shutil.which("php"), reason="php not installed")

READ_DB = ('define("BASEPATH", 1); include $argv[1]; echo json_encode(array($active_group, $db["default"], '
           '$db["web"]));')


def php_read(path, code):
    out = subprocess.run(["php", "-r", code, "--", str(path)], capture_output=True, text=True)
    assert out.returncode == 0 and not out.stderr, out.stdout + out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("style", range(appconfig.STYLES))
def test_database_php_round_trip(tmp_path, style):
    for i, password in enumerate(NASTY):
        default = {"hostname": "localhost", "username": "sipp", "password": password, "database": "SIPP",
                   "socket": "/run/mysqld/mysqld.sock"}
        web = {"hostname": "10.20.0.1", "username": "web'user", "password": password[::-1], "database": "sipp_web",
               "port": 3307}
        path = tmp_path / f"database{i}.php"
        path.write_text(appconfig.render_database_php(default, web, style=style), encoding="utf-8")
        group, got_default, got_web = php_read(path, READ_DB)
        assert group == "default"
        assert got_default["password"] == password
        assert got_web["password"] == password[::-1]
        assert got_web["username"] == "web'user"
        assert got_default["socket"] == "/run/mysqld/mysqld.sock"
        assert got_web["port"] == 3307 and got_default["port"] == 3306
        assert got_default["dbdriver"] == "mysqli" and got_default["char_set"] == "latin1"
        assert got_default["dbcollat"] == "latin1_swedish_ci" and got_default["pconnect"] is False


def test_styles_differ():
    texts = {appconfig.render_database_php({"password": "x"}, {"password": "y"}, style=s)
             for s in range(appconfig.STYLES)}
    assert len(texts) == appconfig.STYLES
    aligned = appconfig.render_database_php({"password": "x"}, {"password": "y"}, style=0)
    assert "$db['default']['port']     = 3306;" in aligned
    assert "$db['default']['port'] = 3306;" in appconfig.render_database_php({}, {}, style=1)


def test_unknown_key_refused():
    with pytest.raises(ValueError):
        appconfig.render_database_php({"passwrod": "x"}, {})


def test_config_php_round_trip(tmp_path):
    for i, key in enumerate(NASTY):
        path = tmp_path / f"config{i}.php"
        path.write_text(appconfig.render_config_php("http://10.0.0.5/SIPP/", key, style=i), encoding="utf-8")
        config = php_read(path, 'define("BASEPATH", 1); include $argv[1]; echo json_encode($config);')
        assert config["encryption_key"] == key
        assert config["base_url"] == "http://10.0.0.5/SIPP/"
