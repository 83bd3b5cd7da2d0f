"""The sync_check role (SOP steps 3 and 9) through ansible-runner against real simulated courts: a fresh sync passes,
an old or partial one fails that court alone with the Indonesian reason, a triggered sync (the court's own
application, requested on the court) moves the stamp, a failing trigger and a sync that never comes are reported
within the wait limit, in local and ssh mode."""
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from sippsim import sync
from sipptest import assert_no_secret, run_playbook, start_region, task_results

PLAYBOOK = "pengadilan.sipp.sync_check"
RESULT_TASK = "Catat hasil pemeriksaan sinkronisasi"
FAIL_TASK = "Gagalkan pengadilan dengan alasannya"
SUMMARY_TASK = "Tampilkan tabel wilayah"


@pytest.fixture(scope="module")
def region3():
    reg = start_region("sck", 3, "local")
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


@pytest.fixture()
def fresh(region3):
    """Every court freshly synchronised, without faults, before and after the test."""
    def reset_one(court):
        sync.set_fault(court, None)
        sync.sync(court)

    def reset():
        # each court synchronised by its own application: the three at once, each as alone
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(reset_one, region3.courts()))
    reset()
    yield region3
    reset()


def results(runner):
    """{host: sipp_sync_check_result} of a run."""
    return {h: r["ansible_facts"]["sipp_sync_check_result"] for h, r in task_results(runner, RESULT_TASK).items()}


def summary(runner):
    res = task_results(runner, SUMMARY_TASK)
    # a list of lines (readable with Ansible's default callback), read here as one text
    return "\n".join(res["localhost"]["msg"])


def run(reg, **extravars):
    runner = run_playbook(PLAYBOOK, reg.inventory_path, extravars=extravars)
    assert_no_secret(reg, runner.config.private_data_dir)
    return runner


def test_fresh_sync_is_ok(fresh, collection):
    r = run(fresh)
    assert r.status == "successful", r.stdout.read()
    res = results(r)
    assert set(res) == {c.info["id"] for c in fresh.courts()}
    for host, result in res.items():
        assert result["ok"] is True and result["status"] == "ok", (host, result)
        assert result["triggered"] is False
        assert result["stamp"] and result["age_seconds"] < 480 * 60  # within the role's max_age
        assert all(c["local"] == c["public"] and c["local"] > 0 for c in result["counts"].values()), result
        assert "Sinkronisasi sehat" in result["reason"]
    assert not task_results(r, FAIL_TASK)
    table = summary(r)
    for court in fresh.courts():
        assert court.info["id"] in table


def test_stale_sync_fails_that_court_alone(fresh, collection):
    court = fresh.courts()[1]
    sync.age(court, 30)
    r = run(fresh)
    assert r.status == "failed"
    assert set(r.stats["failures"]) == {court.info["id"]}, r.stats
    res = results(r)
    bad = res[court.info["id"]]
    assert bad["ok"] is False and bad["status"] == "stale" and bad["triggered"] is False
    assert bad["age_seconds"] >= 30 * 3600 - 60
    for text in ("tidak sehat (basi)", "lebih lama dari batas 480 menit", "tidak boleh di-upgrade",
                 "Jalankan sinkronisasi dari menu SIPP"):
        assert text in bad["reason"], bad["reason"]
    # what was found alone (the upgrade's step 9 says what to do after an upgrade itself)
    assert bad["reason"].startswith(bad["detail"] + " ") and "tidak sehat (basi)" in bad["detail"]
    assert "tidak boleh di-upgrade" not in bad["detail"]
    failed = task_results(r, FAIL_TASK)
    assert failed[court.info["id"]]["_event"] == "runner_on_failed"
    assert failed[court.info["id"]]["msg"] == bad["reason"]
    for other in fresh.courts():
        if other is not court and other.info["id"] != court.info["id"]:
            assert res[other.info["id"]]["ok"] is True
            assert other.info["id"] not in failed, failed[other.info["id"]]
    assert "basi" in summary(r)  # the status in words (stale)

    # English on request; sipp_sync_check_fail false only records it
    r = run(fresh, sipp_sync_check_language="en", sipp_sync_check_fail=False, sipp_target=court.info["id"])
    assert r.status == "successful", r.stdout.read()
    bad = results(r)[court.info["id"]]
    assert bad["ok"] is False and "is not healthy (stale)" in bad["reason"], bad["reason"]


def test_partial_sync_is_a_mismatch(fresh, collection):
    court = fresh.courts()[2]
    sync.sync(court, fault="partial")
    r = run(fresh)
    assert r.status == "failed"
    assert set(r.stats["failures"]) == {court.info["id"]}
    bad = results(r)[court.info["id"]]
    assert bad["status"] == "mismatch", bad
    assert "Jumlah baris di sisi publik berbeda" in bad["reason"]
    assert any(c["public"] < c["local"] for c in bad["counts"].values())


def test_trigger_moves_the_stamp(fresh, collection):
    courts = fresh.courts()
    aged = {c.info["id"]: sync.age(c, 30) for c in courts}
    # check mode previews: nothing is triggered, the stamp stays
    r = run_playbook(PLAYBOOK, fresh.inventory_path, extravars={"sipp_sync_check_trigger": True}, check=True)
    assert all(res["triggered"] is False for res in results(r).values())
    assert all(sync.stamp(c) == aged[c.info["id"]] for c in courts)

    r = run(fresh, sipp_sync_check_trigger=True)
    assert r.status == "successful", r.stdout.read()
    for court in courts:
        res = results(r)[court.info["id"]]
        assert res["ok"] is True and res["triggered"] is True, res
        assert res["stamp"] > aged[court.info["id"]]  # the stamp moved past the aged one
        assert res["stamp"] == sync.stamp(court)
        assert "Sinkronisasi dipicu" in res["reason"] and "sinkronisasi/jalankan" in res["reason"]


def test_trigger_works_while_in_maintenance(fresh, collection):
    court = fresh.courts()[0]
    conn = court.sipp_server().connect("SIPP")
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE sys_config SET value = '1' WHERE id = 6")
        conn.commit()
        old = sync.age(court, 30)
        r = run(fresh, sipp_sync_check_trigger=True, sipp_target=court.info["id"])
        assert r.status == "successful", r.stdout.read()
        assert results(r)[court.info["id"]]["stamp"] > old
    finally:
        with conn.cursor() as cur:
            cur.execute("UPDATE sys_config SET value = '0' WHERE id = 6")
        conn.commit()
        conn.close()


def test_failed_trigger_is_reported_without_waiting(fresh, collection):
    court = fresh.courts()[1]
    old = sync.age(court, 30)
    sync.set_fault(court, "unreachable")
    r = run(fresh, sipp_sync_check_trigger=True, sipp_sync_check_wait_timeout=5, sipp_sync_check_poll_interval=1)
    assert r.status == "failed"
    assert set(r.stats["failures"]) == {court.info["id"]}, r.stats
    bad = results(r)[court.info["id"]]
    assert bad["ok"] is False and bad["status"] == "stale" and bad["triggered"] is True
    assert bad["stamp"] == old == sync.stamp(court)
    for text in ("Sinkronisasi yang dipicu", "gagal: jawaban HTTP 502", "tidak dapat dihubungi",
                 "tidak boleh di-upgrade"):
        assert text in bad["reason"], bad["reason"]
    assert all(results(r)[c.info["id"]]["ok"] for c in fresh.courts() if c.info["id"] != court.info["id"])
    # a trigger known to have failed is not waited for (no "waited up to N seconds" in the reason)
    assert "Sudah ditunggu" not in bad["reason"], bad["reason"]


def test_wait_for_a_scheduled_sync_is_bounded(fresh, collection):
    court = fresh.courts()[2]
    old = sync.age(court, 30)
    r = run(fresh, sipp_target=court.info["id"], sipp_sync_check_trigger=True, sipp_sync_check_trigger_url="",
            sipp_sync_check_wait_timeout=4, sipp_sync_check_poll_interval=1)
    assert r.status == "failed"
    bad = results(r)[court.info["id"]]
    assert bad["status"] == "stale" and bad["triggered"] is False and bad["stamp"] == old
    assert "Sudah ditunggu paling lama 4 detik" in bad["reason"], bad["reason"]
    waits = task_results(r, "Tunggu sampai stempel sinkronisasi lebih baru dari saat pemicuan dan jumlah baris sama")
    # bounded by count, not by the clock: at most wait_timeout / poll_interval polls (plus the first look)
    assert 2 <= waits[court.info["id"]].get("attempts", 0) <= 4 // 1 + 1, waits


def test_ssh_court_triggered(region_ssh, collection):
    """On a court of the session's ssh region (its own region cost seconds to start), that court alone
    (sipp_target), freshly synchronised again afterwards."""
    reg = region_ssh
    court = reg.courts()[0]
    target = court.info["id"]
    try:
        old = sync.age(court, 30)
        r = run(reg, sipp_target=target)
        assert r.status == "failed" and results(r)[court.info["id"]]["status"] == "stale"
        assert set(results(r)) == {target}
        r = run(reg, sipp_target=target, sipp_sync_check_trigger=True)
        assert r.status == "successful", r.stdout.read()
        res = results(r)[court.info["id"]]
        assert res["ok"] is True and res["triggered"] is True and res["stamp"] > old
        assert res["stamp"] == sync.stamp(court)
    finally:
        sync.sync(court)
