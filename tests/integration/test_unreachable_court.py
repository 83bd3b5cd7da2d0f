"""A court that cannot be reached (its SSH port closed, as a server that is off or cut from the network), through
ansible-runner beside two real simulated courts: every playbook names it in its result, summary and report, fails it
with "tidak dapat dihubungi, tidak ada yang diubah", ends with an exit code that says a court failed, and lets the
other courts go on; alone and among others, in one wave and in several, under ansible-core 2.19 and 2.16."""
import json
import shutil

import pytest

from sipptest import (EE_PLAYBOOK, FAST_POLLS, build_packages, fingerprints, inventory_with_dead_court, run_playbook,
                      start_region, task_results, upgrade_results)
from sippsim.fingerprint import differences
from sippsim.sync import FAULT_FILE as SYNC_FAULT_FILE

DEAD = "pn_mati"
GOOD = "sipp-5.1.0-5.2.0.zip"


@pytest.fixture(scope="module")
def region(collection, tmp_path_factory):
    reg = start_region("unrc", 2, "local", versions=["5.1.0", "5.2.0"])
    try:
        # the dead court comes first, the canary of a run in waves
        inv = inventory_with_dead_court(reg, tmp_path_factory.mktemp("inventaris"), DEAD)
        older, newer = reg.courts()
        yield {"reg": reg, "inv": inv, "older": older, "newer": newer, "tmp": tmp_path_factory.mktemp("keluaran"),
               "paket": build_packages(reg.dir / "paket")}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def upgrade(region, target, out, binary=None, faults=None, **extra):
    extravars = dict(FAST_POLLS, sipp_target=target, sipp_upgrade_packages=[str(region["paket"] / GOOD)],
                     sipp_upgrade_assisted_approved=True, sipp_report_dir=str(out), sipp_run_id=out.name, **extra)
    return run_playbook("pengadilan.sipp.upgrade", region["inv"], extravars=extravars, binary=binary, faults=faults)


def report_rows(out):
    report = json.loads((out / ("laporan-upgrade-sipp-%s.json" % out.name)).read_text())
    return {c["court"]: c for c in report["courts"]}


def assert_dead_reported(r, out, english=False):
    result = upgrade_results(r)[DEAD]
    assert result["status"] == "gagal" and result["reached"] is False, result
    words = ("cannot be reached", "Nothing was changed") if english else ("tidak dapat dihubungi", "Tidak ada yang diubah")
    assert all(w in result["reason"] for w in words), result["reason"]
    assert "-e sipp_target=%s" % DEAD in result["reason"]
    # not the text of a court lost in the middle of its run: nothing was ever done there
    assert "terputus" not in result["reason"] and "lost in the middle" not in result["reason"]
    assert [s["step"] for s in result["steps"]] == [1, 10] and result["steps"][0]["status"] == "gagal"
    row = report_rows(out)[DEAD]
    assert row["status"] == "gagal" and row["reason"] == result["reason"]
    # the run says a court failed: the last task fails (ansible-playbook's exit code 2), not a dropped host (4)
    assert r.rc == 2, (r.rc, r.stats)


@pytest.mark.parametrize("core", ["2.19", "2.16"])
def test_the_upgrade_of_an_unreachable_court_alone_ends_with_its_result_and_report(region, core, tmp_path):
    out = tmp_path / ("sendiri-%s" % core.replace(".", ""))
    english = core == "2.16"
    r = upgrade(region, DEAD, out, binary=EE_PLAYBOOK if core == "2.16" else None,
                **({"sipp_language": "en"} if english else {}))
    assert_dead_reported(r, out, english)
    assert set(upgrade_results(r)) == {DEAD}


def test_among_others_in_waves_the_others_go_on_and_are_upgraded(region):
    """The dead court is the canary: it says nothing of the package, so the next waves are not stopped. The court
    upgraded loses its link to the public SIPP site once verified: step 9 says it is upgraded and what is left."""
    reg, older, newer = region["reg"], region["older"], region["newer"]
    out = region["tmp"] / "gelombang"
    before = fingerprints(reg, [newer.info["id"]])
    fault_file = older.app_dir / SYNC_FAULT_FILE
    try:
        r = upgrade(region, "all", out, sipp_campaign_waves=[1, 1], faults=[dict(
            task="Catat langkah 7", host=older.info["id"], write=str(fault_file), text="unreachable\n")])
    finally:
        fault_file.unlink(missing_ok=True)
    res = upgrade_results(r)
    assert res[older.info["id"]]["status"] == "berhasil", res[older.info["id"]]
    assert r.fault_records[0] is not None
    assert_dead_reported(r, out)
    assert res[older.info["id"]]["reached"] is True
    reason = res[older.info["id"]]["reason"]
    assert reason.startswith("SIPP di-upgrade dari 5.1.0 ke 5.2.0 (1 paket) dan terverifikasi. Langkah 9: SIPP sudah "
                             "berjalan lagi") and "tidak sehat" in reason, reason
    assert "tidak boleh di-upgrade" not in reason
    assert "pengadilan.sipp.sync_check -e sipp_sync_check_trigger=true -e sipp_target=%s" % older.info["id"] in reason
    step9 = [s for s in res[older.info["id"]]["steps"] if s["step"] == 9][0]
    assert step9["status"] == "gagal" and "tidak boleh di-upgrade" not in step9["output"]
    assert res[newer.info["id"]]["status"] == "sudah", res[newer.info["id"]]
    assert set(report_rows(out)) == {DEAD, older.info["id"], newer.info["id"]}
    assert differences(before[newer.info["id"]], fingerprints(reg, [newer.info["id"]])[newer.info["id"]]) == []


def test_among_others_in_one_wave_under_2_16(region):
    older, newer = region["older"], region["newer"]
    out = region["tmp"] / "satu216"
    r = upgrade(region, "all", out, binary=EE_PLAYBOOK)
    assert_dead_reported(r, out)
    res = upgrade_results(r)
    # the earlier test upgraded the older court: both are on the target now
    assert {c: res[c]["status"] for c in (older.info["id"], newer.info["id"])} == {
        older.info["id"]: "sudah", newer.info["id"]: "sudah"}


def test_the_rollback_names_the_unreachable_court_and_rolls_back_the_other(region):
    reg, older = region["reg"], region["older"]
    cid = older.info["id"]
    if fingerprints(reg, [cid])[cid]["version"] != "5.2.0":
        pytest.skip("needs the upgrade of the test before")
    r = run_playbook("pengadilan.sipp.rollback", region["inv"], extravars=dict(FAST_POLLS, sipp_target="%s:%s" % (
        DEAD, cid)))
    out = r.stdout.read()
    assert r.rc == 2, (r.rc, r.stats, out[-3000:])
    assert fingerprints(reg, [cid])[cid]["version"] == "5.1.0"
    summary = task_results(r, "Tampilkan hasil tiap pengadilan")
    lines = next(iter(summary.values()))["msg"]
    assert lines[0].startswith("Downgrade SIPP: 1 pengadilan terbukti kembali ke cadangan, 1 gagal"), lines
    dead = [ln for ln in lines if ln.startswith(DEAD + ": ")]
    assert dead and "tidak dapat dihubungi" in dead[0] and "Tidak ada yang diubah" in dead[0], lines
    assert [ln for ln in lines if ln.startswith(cid + ": ") and "terbukti" in ln], lines
    failed = task_results(r, "Gagalkan pengadilan dengan alasannya")
    assert set(failed) == {DEAD} and failed[DEAD]["_event"] == "runner_on_failed"


def test_the_info_table_names_the_unreachable_court(region):
    r = run_playbook("pengadilan.sipp.info", region["inv"], extravars={})
    assert r.rc == 0, r.stdout.read()[-3000:]
    table = "\n".join(next(iter(task_results(r, "Tampilkan tabel wilayah").values()))["msg"])
    row = [ln for ln in table.splitlines() if ln.startswith(DEAD)]
    assert row and row[0].rstrip().endswith("tidak terjangkau"), table
    assert len([ln for ln in table.splitlines() if ln.startswith("pn_")]) == 3
