"""pengadilan.sipp.upgrade in waves (sipp_campaign_waves) with the campaign-wide failure rule: once the courts of
the earlier waves that failed or were downgraded exceed sipp_campaign_max_fail_percentage of those done, no new
court starts; the courts already started finish. Driven through ansible-runner, as AWX runs it."""
import shutil
from pathlib import Path

import pytest
import yaml

from sipptest import FAST_POLLS, build_packages, fingerprints, run_playbook, start_region, upgrade_results

PLAYBOOK = "pengadilan.sipp.upgrade"


@pytest.fixture(scope="module")
def campaign(collection, tmp_path_factory):
    # canary good; wave 2: one faulty, one good; wave 3: two that must never start
    reg = start_region("swav", 5, "local", versions=["5.2.0"] * 5)
    try:
        build_packages(reg.dir / "paket")
        courts = reg.courts()
        base = Path(reg.inventory_path).parent
        (base / "group_vars").mkdir(exist_ok=True)
        (base / "host_vars").mkdir(exist_ok=True)
        (base / "group_vars" / "all.yml").write_text(yaml.safe_dump(dict(
            FAST_POLLS, sipp_upgrade_packages=[str(reg.dir / "paket" / "sipp-5.2.0-5.2.1.zip")])))
        (base / "host_vars" / ("%s.yml" % courts[1].info["id"])).write_text(yaml.safe_dump({
            "sipp_upgrade_packages": [str(reg.dir / "paket" / "faulty" / "sipp-5.2.0-5.2.1-php_fatal.zip")]}))
        before = fingerprints(reg)
        r = run_playbook(PLAYBOOK, reg.inventory_path, extravars={
            "sipp_campaign_waves": [1, 2, "100%"], "sipp_campaign_max_fail_percentage": 25,
            "sipp_report_dir": str(tmp_path_factory.mktemp("laporan")), "sipp_run_id": "gelombang"})
        yield {"reg": reg, "courts": courts, "run": r, "before": before, "after": fingerprints(reg)}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_waves_stop_once_the_campaign_failures_exceed_the_threshold(campaign):
    ids = [c.info["id"] for c in campaign["courts"]]
    res = upgrade_results(campaign["run"])
    assert [res[i]["status"] for i in ids] == ["berhasil", "didowngrade", "berhasil", "dilewati", "dilewati"]
    # one run, one name, whatever the wave
    assert {res[i]["run_id"] for i in ids} == {"gelombang"}
    for i in ids[3:]:
        reason = res[i]["reason"]
        assert reason.startswith("Kampanye dihentikan sebelum pengadilan ini dimulai: 1 dari 3 pengadilan"), reason
        assert ids[1] in reason and "25%" in reason
        assert campaign["after"][i] == campaign["before"][i]
        assert [s["step"] for s in res[i]["steps"]] == [10]
    assert campaign["after"][ids[1]] == campaign["before"][ids[1]]
    assert campaign["after"][ids[2]]["version"] == "5.2.1"
    # the run ends failed (a court was downgraded) after the report
    assert campaign["run"].status == "failed"
