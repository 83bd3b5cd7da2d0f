"""The verify role (SOP step 7) through ansible-runner against real simulated courts: packages applied by hand (as
a naive upgrade would), then verified; a failed verification notifies the downgrade handler instead of failing."""
import json
import shutil
import zipfile

import pytest

from sippsim import release
from sippsim.court import SIPP_DB
from sipptest import REPO, lay_over, module_results, run_module, run_playbook, start_region, task_results

PLAYBOOK = str(REPO / "tests/integration/playbooks/verify.yml")
SHOW = "Tampilkan hasil"
HANDLER = "Tampilkan handler"


@pytest.fixture(scope="module")
def region(collection):
    # good upgrade, version_not_bumped, php_fatal (from 5.2.0), data change, renamed column, opcache, offline
    reg = start_region("svf", 7, "local", versions=["5.0.0", "5.0.0", "5.2.0", "5.0.0", "5.0.0", "5.0.0", "5.0.0"])
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


def faulty(packages, breaks):
    listed = json.loads((packages / "faulty" / "FAULTS.json").read_text())
    return packages / "faulty" / [n for n, f in listed.items() if f["breaks"] == breaks][0]


def manifest_of(pkg):
    with zipfile.ZipFile(pkg) as z:
        return json.loads(z.read("manifest.json"))


def apply_by_hand(court, pkg, stamp=None):
    """What the upgrade does, by hand (sipptest.lay_over), and for a package without migrations (mandiri) the
    version stamped as the tool would. Returns the manifest."""
    manifest, error = lay_over(court, pkg)
    assert error is None, error
    if stamp:
        sql(court, "UPDATE sys_config SET value = %s WHERE id = 80", (stamp,))
    return manifest


def sql(court, statement, args=None):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall()
    finally:
        conn.close()


def snapshot_path(court, name="sebelum.json"):
    """(path on the court, path from the test) of a snapshot file."""
    inside = "/var/backups/sipp/verify/" + name
    on_host = court.root / inside.lstrip("/")
    return (inside if court.mode == "ssh" else str(on_host)), on_host


def take_snapshot(reg, court, name="sebelum.json"):
    path, on_host = snapshot_path(court, name)
    res = module_results(run_module("pengadilan.sipp.sipp_snapshot", {"app_path": court.app_path, "dest": path},
                                    reg.inventory_path, hosts=court.info["id"]))[court.info["id"]]
    assert res["_event"] == "runner_on_ok", res
    assert on_host.is_file()
    return path


def verify(reg, court, target, before="", ignore=(), **extra):
    host = court.info["id"]
    r = run_playbook(PLAYBOOK, reg.inventory_path, limit=host, extravars=dict(
        {"sipp_verify_target_version": target, "sipp_verify_snapshot_before": before,
         "sipp_verify_ignore_tables": list(ignore), "sipp_verify_page_delay": 1}, **extra))
    assert r.status == "successful", r.stdout.read()
    res = task_results(r, SHOW)[host]["sipp_verify_result"]
    downgraded = task_results(r, HANDLER)[host]["msg"] == "downgrade=True"
    return res, downgraded


def site_offline(court):
    return sql(court, "SELECT value FROM sys_config WHERE id = 6")[0][0].strip() == "1"


def test_good_upgrade_verifies_and_notifies_nothing(region, packages):
    court = region.courts()[0]
    before = take_snapshot(region, court)
    manifest = apply_by_hand(court, packages / release.package_name("5.0.0", "5.1.0"))
    res, downgraded = verify(region, court, "5.1.0", before, manifest["tables_changed"])
    assert res["ok"] is True and res["problems"] == [], res
    assert res["version"] == "5.1.0" and res["page_status"] == "ok" and res["page_http_status"] == 200
    assert res["snapshot_equal"] is True and res["differences"] == []
    assert not downgraded


def test_version_not_bumped_is_caught_and_notifies_the_downgrade(region, packages):
    court = region.courts()[1]
    before = take_snapshot(region, court)
    pkg = faulty(packages, "version_not_bumped")
    manifest = apply_by_hand(court, pkg)
    res, downgraded = verify(region, court, manifest["to_version"], before, manifest["tables_changed"],
                             sipp_verify_page_retries=0)
    assert res["ok"] is False and res["version"] == "5.0.0", res
    assert any("sys_config id 80" in p and "5.0.0" in p and "5.1.0" in p and "downgrade" in p
               for p in res["problems"]), res["problems"]
    assert res["page_status"] == "failed"          # the page says Versi 5.0.0
    assert downgraded


def test_php_fatal_is_caught_on_the_login_page(region, packages):
    court = region.courts()[2]
    before = take_snapshot(region, court)
    pkg = faulty(packages, "php_fatal")
    manifest = manifest_of(pkg)
    assert manifest["from_version"] == "5.2.0" and not manifest["migrations"]
    apply_by_hand(court, pkg, stamp=manifest["to_version"])
    res, downgraded = verify(region, court, "5.2.1", before, manifest["tables_changed"], sipp_verify_page_retries=1,
                             sipp_language="en")
    assert res["ok"] is False and res["version"] == "5.2.1", res
    assert res["page_status"] == "failed" and res["page_http_status"] == 500
    assert len(res["problems"]) == 1 and "Fatal error" in res["problems"][0], res["problems"]
    assert "2 attempt(s)" in res["problems"][0] and "downgraded" in res["problems"][0]
    assert res["snapshot_equal"] is True           # the stamp is in sys_config, which is always ignored
    assert downgraded


def test_go_online_checks_the_page_and_goes_back_offline_on_failure(region):
    court = region.courts()[2]                      # still the php_fatal court
    sql(court, "UPDATE sys_config SET value = '1' WHERE id = 6")
    res, downgraded = verify(region, court, "5.2.1", sipp_verify_page_retries=0)
    assert res["page_status"] == "offline" and res["ok"] is True, res    # not a false failure
    assert any("mode perbaikan" in n for n in res["notes"]) and any("dilewati" in n for n in res["notes"])
    assert not downgraded
    res, downgraded = verify(region, court, "5.2.1", sipp_verify_page_retries=0, sipp_verify_go_online=True)
    assert res["ok"] is False and res["went_online"] is True and "Fatal error" in res["problems"][0], res
    assert site_offline(court) and downgraded


def test_data_changed_in_an_undeclared_table_is_caught(region):
    court = region.courts()[3]
    before = take_snapshot(region, court)
    sql(court, "UPDATE perkara_pihak1 SET alamat = CONCAT(IFNULL(alamat, ''), '.') ORDER BY perkara_id LIMIT 1")
    res, downgraded = verify(region, court, "5.0.0", before, ["perkara_ecourt"])
    assert res["ok"] is False and res["snapshot_equal"] is False, res
    assert [(d["kind"], d["table"]) for d in res["differences"]] == [("checksum", "perkara_pihak1")]
    assert "perkara_pihak1" in res["problems"][0] and "downgrade" in res["problems"][0]
    assert downgraded
    # in maintenance with go_online: data that does not match is never opened to users, not even for the page
    sql(court, "UPDATE sys_config SET value = '1' WHERE id = 6")
    res, downgraded = verify(region, court, "5.0.0", before, ["perkara_ecourt"], sipp_verify_go_online=True)
    assert res["ok"] is False and res["went_online"] is False and res["page_status"] == "offline", res
    assert any("tidak dibuka untuk pengguna" in n for n in res["notes"]), res["notes"]
    assert not any("sipp_verify_go_online" in n for n in res["notes"]), res["notes"]
    assert site_offline(court) and downgraded
    # declared changed: the same difference is allowed (and then the page is checked online)
    res, downgraded = verify(region, court, "5.0.0", before, ["perkara_pihak1"], sipp_verify_go_online=True)
    assert res["ok"] is True and res["went_online"] is True and res["page_status"] == "ok" and not downgraded, res
    assert not site_offline(court)


def test_renamed_column_in_an_undeclared_table_is_caught(region):
    court = region.courts()[4]
    before = take_snapshot(region, court)
    sql(court, "ALTER TABLE sys_audittrail RENAME COLUMN ipaddress TO ip_address")
    res, downgraded = verify(region, court, "5.0.0", before)
    assert res["ok"] is False, res
    assert ("structure", "sys_audittrail") in [(d["kind"], d["table"]) for d in res["differences"]]
    assert downgraded


def test_stale_code_after_the_switch_is_waited_for(region, packages):
    """opcache may serve the old code for a moment: here the footer shows the old version to the first 2 requests."""
    court = region.courts()[5]
    before = take_snapshot(region, court)
    manifest = apply_by_hand(court, packages / release.package_name("5.0.0", "5.1.0"))
    footer = court.app_dir / "application/views/templates/footer.php"
    counter = court.dir / "stale_count"
    footer.write_text("<?php $n = (int) @file_get_contents('%s'); if ($n < 2) { file_put_contents('%s', $n + 1); "
                      "$versi = '5.0.0'; } ?>" % (counter, counter) + footer.read_text())
    res, downgraded = verify(region, court, "5.1.0", before, manifest["tables_changed"], sipp_verify_page_retries=0)
    assert res["ok"] is False and res["page_status"] == "failed" and "Versi 5.1.0" in res["problems"][0], res
    assert downgraded
    counter.unlink()
    res, downgraded = verify(region, court, "5.1.0", before, manifest["tables_changed"], sipp_verify_page_retries=3)
    assert res["ok"] is True and res["page_status"] == "ok", res
    assert not downgraded


def test_no_snapshot_and_no_target(region):
    court = region.courts()[6]
    res, downgraded = verify(region, court, "5.0.0", sipp_language="en")
    assert res["ok"] is True and res["snapshot_equal"] is None and not downgraded
    assert any("comparison skipped" in n for n in res["notes"]), res
    r = run_playbook(PLAYBOOK, region.inventory_path, limit=court.info["id"],
                     extravars={"sipp_verify_target_version": ""})
    assert r.status == "failed" and "sipp_verify_target_version" in r.stdout.read()


@pytest.mark.ssh
def test_good_upgrade_over_ssh(collection, packages):
    reg = start_region("svs", 1, "ssh", versions=["5.0.0"])
    try:
        court = reg.courts()[0]
        before = take_snapshot(reg, court)
        manifest = apply_by_hand(court, packages / release.package_name("5.0.0", "5.1.0"))
        res, downgraded = verify(reg, court, "5.1.0", before, manifest["tables_changed"])
        assert res["ok"] is True and res["page_status"] == "ok" and res["snapshot_equal"] is True, res
        assert not downgraded
        # the login page derived from the application folder (http://127.0.0.1/SIPP.../) on the court itself
        res, _ = verify(reg, court, "5.1.0", before, manifest["tables_changed"], sipp_verify_login_url="")
        assert res["page_status"] == "ok", res
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_folders_the_web_server_cannot_write_to_fail_the_verification(region):
    """The uploads folder (root's, mode 0755) is not writable by a web server running as nobody: the verification
    fails and names it, with and without a snapshot (sipp_snapshot and sipp_info); as the running web server's own
    user (PHP's built-in server, root, here) it passes."""
    court = region.courts()[6]
    version = sql(court, "SELECT value FROM sys_config WHERE id = 80")[0][0]
    uploads = court.app_dir / "resources/file"
    assert oct(uploads.stat().st_mode & 0o777) == "0o755" and uploads.stat().st_uid == 0
    before = take_snapshot(region, court, "tulis.json")
    for snapshot in ("", before):
        res, downgraded = verify(region, court, version, snapshot, sipp_verify_web_user="nobody")
        assert res["ok"] is False and downgraded, res
        assert len(res["problems"]) == 1, res["problems"]
        assert "Server web (pengguna nobody) tidak dapat menulis" in res["problems"][0]
        assert "resources/file (pemilik uid 0, grup gid 0, mode 0755)" in res["problems"][0]
    res, downgraded = verify(region, court, version, before)
    assert res["ok"] is True and not downgraded, res
    assert not any("sipp_verify_web_user" in n for n in res["notes"]), res["notes"]
