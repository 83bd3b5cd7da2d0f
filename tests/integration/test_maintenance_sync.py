"""sipp_maintenance and sipp_sync_status run as AWX ad-hoc commands (ansible-runner) on real simulated courts.

The court's own PHP application answers the login page: 503 with the maintenance message while SiteOffline = 1.
Synchronisation is the simulator's (sippsim.sync): a good one, an old one (age), a partial one, one that never
reaches the public side.
"""
import shutil
import time

import pytest

from sippsim import sync
from sippsim.court import SIPP_DB, http_get
from sipptest import assert_no_secret, module_results, run_module, start_region

MESSAGE = "Situs ini sedang dalam perbaikan: upgrade SIPP ke versi 5.3.0. Mohon tunggu."
SEARCH = {"search_paths": "{{ sipp_search_paths | default(omit) }}"}


def one(reg, court, module, args, check=False):
    """Run ``module`` on ``court`` alone; return its result."""
    runner = run_module("pengadilan.sipp.%s" % module, dict(SEARCH, **args), reg.inventory_path,
                        hosts=court.info["id"], check=check)
    assert_no_secret(reg, runner.config.private_data_dir)
    results = module_results(runner)
    assert set(results) == {court.info["id"]}, runner.stdout.read()
    return results[court.info["id"]]


def page(court):
    """(status, body) of the court's login page, retried briefly while the PHP server is busy."""
    for _ in range(5):
        status, body = http_get(court.url)
        if status:
            return status, body
        time.sleep(0.5)
    return status, body


def maintenance_round(reg, court, other=None):
    status, body = page(court)
    assert status == 200, body[:500]

    # check mode: predicted, nothing changed
    res = one(reg, court, "sipp_maintenance", {"state": "offline", "offline_message": MESSAGE}, check=True)
    assert res["_event"] == "runner_on_ok", res
    assert res["changed"] is True and res["current"]["site_offline"] is True
    assert page(court)[0] == 200

    res = one(reg, court, "sipp_maintenance", {"state": "offline", "offline_message": MESSAGE})
    assert res["_event"] == "runner_on_ok", res
    assert res["changed"] is True
    assert res["previous"]["site_offline"] is False
    assert res["current"] == {"site_offline": True, "message": MESSAGE}
    status, body = page(court)
    assert status == 503 and MESSAGE in body, (status, body[:500])
    if other is not None:
        assert page(other)[0] == 200

    res = one(reg, court, "sipp_maintenance", {"state": "offline", "offline_message": MESSAGE})
    assert res["changed"] is False

    res = one(reg, court, "sipp_maintenance", {"state": "online"}, check=True)
    assert res["changed"] is True
    assert page(court)[0] == 503

    res = one(reg, court, "sipp_maintenance", {"state": "online", "language": "en"})
    assert res["_event"] == "runner_on_ok", res
    assert res["changed"] is True and res["current"] == {"site_offline": False, "message": MESSAGE}
    assert page(court)[0] == 200

    res = one(reg, court, "sipp_maintenance", {"state": "online"})
    assert res["changed"] is False


def public_now(reg, court):
    res = one(reg, court, "sipp_sync_status", {})
    assert res["_event"] == "runner_on_ok", res
    return res["public_now"]


def sync_round(reg, court):
    sync.sync(court)
    res = one(reg, court, "sipp_sync_status", {})
    assert res["_event"] == "runner_on_ok", res
    assert res["changed"] is False
    assert res["status"] == "ok" and res["ok"] is True, res["reason"]
    assert res["stamp"] == sync.stamp(court)[:19]
    assert all(c["local"] == c["public"] and c["local"] > 0 for c in res["counts"].values()), res["counts"]
    assert sorted(res["counts"]) == sorted(sync.PUB_TABLES)

    checked = one(reg, court, "sipp_sync_status", {}, check=True)
    assert checked["status"] == "ok" and checked["counts"] == res["counts"]

    # thirty hours without a synchronisation
    sync.age(court, 30)
    res = one(reg, court, "sipp_sync_status", {})
    assert res["status"] == "stale" and res["ok"] is False
    assert res["age_seconds"] >= 30 * 3600 - 60
    assert "480 menit" in res["reason"]

    # a partial synchronisation: fresh stamp, rows missing on the public side
    sync.sync(court, fault="partial")
    res = one(reg, court, "sipp_sync_status", {"language": "en"})
    assert res["status"] == "mismatch", res["reason"]
    assert any(c["public"] < c["local"] for c in res["counts"].values())
    assert "incomplete" in res["reason"]

    # a good one repairs it
    sync.sync(court)
    assert one(reg, court, "sipp_sync_status", {})["status"] == "ok"

    # a synchronisation that never reaches the public side: the stamp stays as it was
    since = public_now(reg, court)
    time.sleep(1.2)
    with pytest.raises(sync.SyncFailed):
        sync.sync(court, fault="unreachable")
    res = one(reg, court, "sipp_sync_status", {"since": since})
    assert res["status"] == "stale", res["reason"]
    assert "tidak lebih baru dari %s" % since in res["reason"]
    sync.age(court, 30)
    res = one(reg, court, "sipp_sync_status", {})
    assert res["status"] == "stale"

    # started after `since` and succeeded
    since = public_now(reg, court)
    time.sleep(1.2)
    sync.sync(court)
    res = one(reg, court, "sipp_sync_status", {"since": since, "max_age": 60})
    assert res["status"] == "ok", res["reason"]
    return res


def sys_config(court):
    """The maintenance message (id 1) and switch (id 6) of the court."""
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, value FROM sys_config WHERE id IN (1, 6)")
            return dict(cur.fetchall())
    finally:
        conn.close()


def set_sys_config(court, values):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            for rid, value in values.items():
                cur.execute("UPDATE sys_config SET value = %s WHERE id = %s", (value, rid))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def region(collection):
    reg = start_region("smsl", 2, "local")
    try:
        yield reg
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_maintenance_local(region):
    court, other = region.courts()
    maintenance_round(region, court, other)


def test_sync_status_local(region):
    sync_round(region, region.courts()[1])


def test_public_side_down_is_unreachable_not_failed(region):
    court = region.courts()[0]
    public = "%s-public" % court.info["id"]
    rec = next(r for r in court.info["procs"] if r["name"] == "mariadb:%s" % public)
    from sippsim import procs
    procs.stop(rec)
    res = one(region, court, "sipp_sync_status", {"connect_timeout": 3})
    assert res["_event"] == "runner_on_ok", res
    assert res["status"] == "unreachable" and res["ok"] is False
    assert "jaringan" in res["reason"]
    assert all(c["public"] is None and c["local"] > 0 for c in res["counts"].values())


@pytest.mark.ssh
@pytest.mark.slow
def test_maintenance_and_sync_ssh(region_ssh, collection):
    """On a court of the session's ssh region (its own region cost seconds to start), put back as it was found: the
    maintenance switch and message as before, a good synchronisation last."""
    court = region_ssh.courts()[0]
    saved = sys_config(court)
    try:
        maintenance_round(region_ssh, court)
        res = sync_round(region_ssh, court)
        assert res["public"]["host"] == court.web_group()["hostname"]
    finally:
        set_sys_config(court, saved)
        sync.sync(court)
