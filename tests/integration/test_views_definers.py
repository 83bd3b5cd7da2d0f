"""Views, triggers and routines in the downgrade's proof, with their DEFINER (ansible-runner, real simulated courts).

Two courts on 5.1.0 hold objects whose DEFINER is not SIPP's login user: the dashboard view the release SQL made as
root, and a root-made trigger and stored procedure (``Court.add_objects_of_another_definer``). On one of them the
login user may create objects for another DEFINER (SUPER, as when database.php logs in as root); on the other it may
not, and its database is called ``sipp`` (lower case), as on some courts. Both are upgraded with a package whose last migration replaces the view (as the login user) and then fails: the
downgrade brings the first back identical (the simulator's fingerprint holds each view's SHOW CREATE VIEW, DEFINER
included), and on the second it says plainly which DEFINERs it could not keep, instead of "identical"."""
import pytest

from sippsim import faults
from sippsim.fingerprint import differences
from sipptest import FAST_POLLS, fingerprints, region_while_needed, run_playbook, upgrade_results

DEFINERS = ("SELECT 'view', TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s UNION ALL "
            "SELECT 'trigger', TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
            "UNION ALL SELECT 'routine', ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES "
            "WHERE ROUTINE_SCHEMA = %s")


@pytest.fixture(scope="module")
def region(collection):
    from sippsim import region as catalogue
    ids = [c["id"] for c in catalogue.pick_courts(2, 1, ["5.1.0", "5.1.0"])]
    # the second court's database is called sipp, in lower case, as on some courts
    for reg in region_while_needed("sdef", 2, "local", versions=["5.1.0", "5.1.0"], db_names={ids[1]: "sipp"}):
        privileged, plain = reg.courts()
        assert plain.db_name == "sipp"
        privileged.add_objects_of_another_definer(super_privilege=True)
        plain.add_objects_of_another_definer()
        reg.save()
        package, _meta = faults.build_one(faults.view_replaced_then_fails, reg.dir / "paket")
        yield {"reg": reg, "privileged": privileged, "plain": plain, "package": package}


def definers(court):
    conn = court.sipp_server().connect(court.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute(DEFINERS, (court.db_name,) * 3)
            return {"%s %s" % (kind, name): definer for kind, name, definer in cur.fetchall()}
    finally:
        conn.close()


def test_a_replaced_view_comes_back_with_its_definer_or_the_result_says_it_could_not(region):
    reg = region["reg"]
    privileged, plain = region["privileged"], region["plain"]
    before = fingerprints(reg)
    owners = {c.info["id"]: definers(c) for c in (privileged, plain)}
    for found in owners.values():
        assert found["view v_perkara_dashboard"].startswith("root@"), found
        assert found["trigger trg_putusan_tanggal"].startswith("root@")
        assert found["routine sipp_hitung_perkara"].startswith("root@")
    r = run_playbook("pengadilan.sipp.upgrade", reg.inventory_path,
                     extravars=dict(FAST_POLLS, sipp_upgrade_packages=[str(region["package"])],
                                    sipp_upgrade_assisted_approved=True, sipp_upgrade_fail_on=[],
                                    sipp_report_dir=str(reg.dir / "laporan"), sipp_run_id="uji-definer"))
    results = upgrade_results(r)
    after = fingerprints(reg)

    # the login user may set any DEFINER: identical to the backup, DEFINERs included
    mine = results[privileged.info["id"]]
    assert mine["status"] == "didowngrade", mine
    assert "tidak identik" not in mine["reason"] and "dibuktikan sama" in mine["reason"], mine["reason"]
    assert differences(before[privileged.info["id"]], after[privileged.info["id"]]) == []
    assert definers(privileged) == owners[privileged.info["id"]]

    # it may not: the data is as backed up, and the result says which DEFINER could not be kept
    theirs = results[plain.info["id"]]
    assert theirs["status"] == "didowngrade", theirs
    reason = theirs["reason"]
    assert "tidak identik" in reason and "DEFINER" in reason, reason
    assert "view v_perkara_dashboard (root@" in reason and "trigger trg_putusan_tanggal (root@" in reason, reason
    assert "sipp_hitung_perkara" not in reason  # the migration never touched it: left as it was
    gone = differences(before[plain.info["id"]], after[plain.info["id"]])
    assert gone == ["table v_perkara_dashboard: structure differ"], gone  # its DEFINER, nothing else
    now = definers(plain)
    assert now["routine sipp_hitung_perkara"].startswith("root@")
    assert not now["view v_perkara_dashboard"].startswith("root@")
