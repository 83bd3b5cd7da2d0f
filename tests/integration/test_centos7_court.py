"""A court server as CentOS 7 has it (sippsim --system centos7): /usr/bin/python a Python 2.7, /usr/bin/python3 a
Python 3.6 without PyMySQL, the MariaDB client under its mysql* names only, no zstd. Managed by ansible-core 2.16
through its own interpreter discovery (the simulator's inventory names no Python for that court, as a real one would
not), never with the interpreter passed in by the test.

Needs pyenv's Python 2.7.18 and 3.6.15 (Debian 12 has no Python 2): fails, never skips, saying what to install."""
import json
import shutil
from pathlib import Path

import pytest
import yaml

from sippsim import region as sim_region
from sippsim import system
from sipptest import (BIN_216, build_packages, fingerprints, run_playbook, start_region, task_results,
                      upgrade_results)

REPO = Path(__file__).resolve().parents[2]
VERSIONS = ["5.1.0", "5.1.0"]
INFO_TABLE_TASK = "Tampilkan tabel wilayah"


@pytest.fixture(scope="module")
def region(collection):
    missing = system.missing_pythons()
    if missing:
        pytest.fail("a simulated CentOS 7 court needs pyenv's Python 2.7 and 3.6; missing: %s" % "; ".join(missing))
    centos, debian = [c["id"] for c in sim_region.pick_courts(2, 1, VERSIONS)]
    reg = start_region("sc7", 2, "ssh", versions=VERSIONS, systems={centos: "centos7"})
    try:
        build_packages(reg.dir / "paket")
        base = Path(reg.inventory_path).parent
        (base / "group_vars").mkdir(exist_ok=True)
        (base / "group_vars" / "all.yml").write_text(yaml.safe_dump({
            "sipp_upgrade_packages": [str(reg.dir / "paket" / "sipp-5.1.0-5.2.0.zip")],
            "sipp_upgrade_assisted_approved": True, "sipp_upgrade_fail_on": []}))
        yield {"reg": reg, "centos": reg.court(centos), "debian": reg.court(debian)}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def example_inventory(reg, centos_id, folder):
    """The simulator's inventory with the example inventory's answer for CentOS 7 courts: the group centos7 and its
    group_vars file, copied as they ship (inventories/example)."""
    folder = Path(folder)
    (folder / "group_vars").mkdir(parents=True, exist_ok=True)
    inv = yaml.safe_load(Path(reg.inventory_path).read_text())
    inv["all"]["children"]["centos7"] = {"hosts": {centos_id: {}}}
    (folder / "hosts.yml").write_text(yaml.safe_dump(inv))
    shutil.copy(Path(reg.inventory_path).parent / "group_vars" / "all.yml", folder / "group_vars" / "all.yml")
    shutil.copy(REPO / "inventories/example/group_vars/centos7.yml", folder / "group_vars" / "centos7.yml")
    return folder / "hosts.yml"


def info_table(runner):
    return "\n".join(task_results(runner, INFO_TABLE_TASK)["localhost"]["msg"])


def test_the_court_looks_like_centos7(region):
    """What ansible-core 2.16 sees there is what a real CentOS 7 server shows (else the rest proves nothing)."""
    court = region["centos"]
    out = court.exec(["sh", "-c", "cat /etc/os-release; /usr/bin/python -V 2>&1; /usr/bin/python3 -V; "
                      "for p in mysql mysqldump mariadb mariadb-dump zstd; do command -v $p || echo no-$p; done; "
                      "/usr/bin/python3 -c 'import pymysql' 2>&1 | tail -1"], capture_output=True, text=True)
    text = out.stdout
    assert 'ID="centos"' in text and 'VERSION_ID="7"' in text
    assert "Python 2.7.18" in text and "Python 3.6.15" in text
    assert "/usr/bin/mysql\n" in text and "/usr/bin/mysqldump\n" in text
    assert "no-mariadb\n" in text and "no-mariadb-dump\n" in text and "no-zstd\n" in text
    assert "No module named" in text
    # the machine itself is unchanged: its own /usr/bin has no Python 2 and keeps its MariaDB names
    assert not Path("/usr/bin/python").exists() and Path("/usr/bin/mariadb").exists()


def test_python_27_chosen_by_discovery_stops_that_court_only(region, tmp_path):
    """ansible-core 2.16's discovery takes /usr/bin/python (2.7) on CentOS 7: the court fails before anything runs
    on it, like an unreachable court, with which Python was found, which is needed and what to set; the other court
    is upgraded; the info table says the same."""
    reg, centos, debian = region["reg"], region["centos"], region["debian"]
    before = fingerprints(reg)
    r = run_playbook("pengadilan.sipp.upgrade", reg.inventory_path, binary=BIN_216 / "ansible-playbook",
                     extravars={"sipp_report_dir": str(tmp_path), "sipp_run_id": "uji-c7-py27"})
    res = upgrade_results(r)
    assert res[debian.info["id"]]["status"] == "berhasil", res
    got = res[centos.info["id"]]
    assert got["status"] == "gagal" and got["reached"] is False, got
    for words in ("/usr/bin/python adalah Python 2.7.18", "Python 3.6 atau lebih baru",
                  "ansible_python_interpreter: /usr/bin/python3", "Python 3.6.15", "Tidak ada yang dijalankan"):
        assert words in got["reason"], got["reason"]
    assert "Traceback" not in r.stdout.read()
    after = fingerprints(reg)
    assert after[centos.info["id"]] == before[centos.info["id"]]
    assert after[debian.info["id"]]["version"] == "5.2.0"
    # nothing of the run on that court: no lock, no result, no backup
    assert not (centos.root / "var/lib/pengadilan-sipp").exists() or \
        not list((centos.root / "var/lib/pengadilan-sipp").rglob("*.json"))
    assert not list((centos.root / "var/backups").glob("sipp/SIPP-*"))
    report = json.loads((tmp_path / "laporan-upgrade-sipp-uji-c7-py27.json").read_text())
    assert [c["status"] for c in report["courts"] if c["court"] == centos.info["id"]] == ["gagal"]

    info = run_playbook("pengadilan.sipp.info", reg.inventory_path, binary=BIN_216 / "ansible-playbook",
                        extravars={"sipp_language": "en"})
    table = info_table(info)
    assert "%s: The Python Ansible uses on this server is too old: /usr/bin/python is Python 2.7.18" \
        % centos.info["id"] in table
    assert "set ansible_python_interpreter: /usr/bin/python3" in table


def test_the_example_inventory_gives_centos7_its_python3(region, tmp_path):
    """With the example inventory's group centos7 the same court is upgraded under ansible-core 2.16 (Python 3.6
    without PyMySQL: the mysql client; no zstd: gzip); under ansible-core 2.19, which cannot run modules on Python
    3.6, it is stopped with that reason and told to use 2.16."""
    reg, centos = region["reg"], region["centos"]
    inventory = example_inventory(reg, centos.info["id"], tmp_path / "inv")
    r = run_playbook("pengadilan.sipp.upgrade", inventory, binary=BIN_216 / "ansible-playbook",
                     extravars={"sipp_report_dir": str(tmp_path), "sipp_run_id": "uji-c7-py36"},
                     limit=centos.info["id"])
    got = upgrade_results(r)[centos.info["id"]]
    assert got["status"] == "berhasil", got
    assert fingerprints(reg)[centos.info["id"]]["version"] == "5.2.0"
    dumps = [p.name for p in (centos.root / "var/backups/sipp").rglob("*.sql*") if not p.name.endswith(".json")]
    assert dumps and all(n.endswith(".gz") for n in dumps), dumps

    info = run_playbook("pengadilan.sipp.info", inventory)  # the machine's ansible-core (2.19)
    table = info_table(info)
    assert "ansible-core 2.19 tidak dapat menjalankan modul dengan Python 3.6.15 (/usr/bin/python3)" in table, table
    assert "hanya dapat dikelola dengan ansible-core 2.16" in table
