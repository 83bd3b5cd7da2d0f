"""A campaign over 20 local courts as an AWX job template with job_slice_count 3 (three independent jobs, the same
extra vars), in waves with the campaign-wide failure threshold, then one report job for the whole region."""
import json
import shutil
import threading

import pytest

from campaign import FAULTY, GOOD, PLAYBOOK, assert_kept, awx_job, changed_tables, write_vars
from sipptest import assert_no_secret, build_packages, fingerprints, start_region, upgrade_results


# ---------------------------------------------------------------------------------------------------- 20 courts, 3 slices
@pytest.fixture(scope="module")
def sliced(collection, tmp_path_factory):
    """20 local courts on 5.2.0 (one on 5.2.1 already, one given the broken package): the campaign as an AWX job
    template with job_slice_count 3 (3 independent jobs started together, each with its share of the inventory, the
    same extra vars), each in waves [1, 2, "100%"] with a 25% threshold; then the report job for the whole region.
    In the first slice the canary is good, the second wave has the broken court: 1 of 3 done is over 25%, so its last
    wave never starts."""
    versions = ["5.2.0"] * 20
    versions[7] = "5.2.1"
    reg = start_region("ssli", 20, "local", versions=versions)
    try:
        build_packages(reg.dir / "paket")
        courts = reg.courts()
        ids = [c.info["id"] for c in courts]
        write_vars(reg, [GOOD], {ids[3]: [FAULTY]})
        before = fingerprints(reg)
        reports = tmp_path_factory.mktemp("laporan")
        survey = {"sipp_run_id": "wilayah-1", "sipp_campaign_waves": [1, 2, "100%"],
                  "sipp_campaign_max_fail_percentage": 25, "sipp_upgrade_report": False,
                  "sipp_upgrade_fail_on": ["gagal"], "sipp_report_dir": str(reports)}
        # AWX starts the slices of a sliced job at the same time
        slices = [None] * 3

        def run_slice(k):
            slices[k] = awx_job(PLAYBOOK, reg.inventory_path, extravars=survey, limit=",".join(ids[k::3]))

        threads = [threading.Thread(target=run_slice, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report = awx_job("pengadilan.sipp.report", reg.inventory_path,
                              extravars={"sipp_report_run_id": "wilayah-1", "sipp_report_dir": str(reports)})
        yield {"reg": reg, "ids": ids, "before": before, "after": fingerprints(reg), "slices": slices,
               "report": report, "reports": reports}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_three_slices_then_one_report_for_the_whole_region(sliced):
    ids, before, after = sliced["ids"], sliced["before"], sliced["after"]
    res = {}
    for k, r in enumerate(sliced["slices"]):
        assert r.rc == 0, r.stdout.read()[-3000:]
        got = upgrade_results(r)
        assert set(got) == set(ids[k::3])
        res.update(got)
    changed = changed_tables(sliced["reg"], GOOD)
    stopped = ids[9::3]
    for i in ids:
        want = ("sudah" if i == ids[7] else "didowngrade" if i == ids[3] else "dilewati" if i in stopped
                else "berhasil")
        assert res[i]["status"] == want, (i, res[i])
        assert res[i]["run_id"] == "wilayah-1"
        assert_kept(before[i], after[i], changed)
    # the courts of the slice's last wave never started: untouched, with the reason
    for i in [ids[3]] + stopped:
        assert after[i] == before[i]
    for i in stopped:
        reason = res[i]["reason"]
        assert reason.startswith("Kampanye dihentikan sebelum pengadilan ini dimulai: 1 dari 3 pengadilan"), reason
        assert ids[3] in reason and "25%" in reason
        assert [s["step"] for s in res[i]["steps"]] == [10]
    # the report job ends failed (an AWX workflow shows red) because a court of the run was downgraded
    assert sliced["report"].status == "failed"
    assert "1 pengadilan run wilayah-1 berstatus gagal atau di-downgrade" in sliced["report"].stdout.read()
    report = json.loads((sliced["reports"] / "laporan-upgrade-sipp-wilayah-1.json").read_text())
    assert {c["court"]: c["status"] for c in report["courts"]} == {i: res[i]["status"] for i in ids}
    assert (sliced["reports"] / "hasil-wilayah-1").is_dir()
    assert_no_secret(sliced["reg"], sliced["reports"])


