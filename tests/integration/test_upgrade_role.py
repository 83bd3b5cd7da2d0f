"""The upgrade role (SOP steps 5 and 6) after preflight, through ansible-runner against real simulated courts."""
import hashlib
import shutil
from pathlib import Path

import pytest

from sippsim import release
from sippsim.court import SIPP_DB, http_get
from sipptest import REPO, run_playbook, start_region, task_results

PLAYBOOK = str(REPO / "tests/integration/playbooks/upgrade_steps.yml")
SHOW = "Tampilkan hasil upgrade"
ALL = [("5.0.0", "5.1.0"), ("5.1.0", "5.2.0"), ("5.2.0", "5.2.1"), ("5.2.1", "5.3.0")]
KEPT = ("application/config/config.php", "application/config/database.php")


@pytest.fixture(scope="module")
def region():
    reg = start_region("spu", 3, "local", versions=["5.0.0", "5.2.0", "5.1.0"])
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


def query(court, sql):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def tree(folder, skip=()):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not str(p.relative_to(folder)).startswith(skip)}


def run(region, extravars, limit):
    r = run_playbook(PLAYBOOK, region.inventory_path, extravars=dict({"sipp_preflight_assisted_approved": True},
                                                                     **extravars), limit=limit)
    return r, {h: res["msg"] for h, res in task_results(r, SHOW).items()}


def test_courts_on_different_versions_reach_the_target(region, packages):
    c0, c1, _ = region.courts()
    cases_before = {c.info["id"]: query(c, "SELECT COUNT(*) FROM perkara")[0][0] for c in (c0, c1)}
    original = tree(c0.app_dir, skip=("resources/file",))
    r, out = run(region, {"sipp_preflight_packages": [str(packages / release.package_name(a, b)) for a, b in ALL]},
                 "%s,%s" % (c0.info["id"], c1.info["id"]))
    assert r.status == "successful", r.stdout.read()
    for court, count in ((c0, 4), (c1, 2)):
        res = out[court.info["id"]]
        assert res["failed"] == "" and len(res["result"]["applied"]) == count
        assert query(court, "SELECT value FROM sys_config WHERE id = 80")[0][0] == "5.3.0"
        status, body = http_get(court.url)
        assert status == 200 and "Versi 5.3.0" in body, body[:300]
        assert query(court, "SELECT COUNT(*) FROM perkara")[0][0] == cases_before[court.info["id"]]
        # the live tree is exactly release 5.3.0's, with the court's own config kept
        expected = {rel: hashlib.sha256(Path(src).read_bytes()).hexdigest()
                    for rel, (src, _) in release.tree_files("5.3.0").items() if not rel.startswith("resources/file")}
        live = tree(court.app_dir, skip=("resources/file",) + KEPT)
        live.pop(".sipp-tree.json", None)
        assert live == expected, set(live) ^ set(expected)
    # the original tree is kept whole beside the live one, for the downgrade
    prev = Path(out[c0.info["id"]]["result"]["previous_tree"])
    assert prev.name.endswith("5.0.0") and tree(prev, skip=("resources/file",)) == original


def test_a_failing_migration_leaves_the_downgrade_what_it_needs(region, packages):
    court = region.courts()[2]  # on 5.1.0
    bad = packages / "faulty" / "sipp-5.1.0-5.2.0-migration_fails_halfway.zip"
    r, out = run(region, {"sipp_preflight_packages": [str(bad)]}, court.info["id"])
    res = out[court.info["id"]]
    # the failure names the migration file that broke
    assert "002_putusan_elektronik.sql" in res["failed"], res
    result = res["result"]
    assert result["applied"] == [bad.name] and result["migrated"][0].endswith(bad.name)
    assert Path(result["previous_tree"]).name.endswith("5.1.0")
    step6 = [s for s in result["steps"] if s["step"] == 6][0]
    assert step6["failed_file"].startswith("002_") and step6["failed_line"]
    assert query(court, "SELECT value FROM sys_config WHERE id = 80")[0][0] == "5.1.0"
