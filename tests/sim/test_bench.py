"""The bench's baselines do the work they stand for (an upgrade by hand really upgrades), and its figures are read
right from what it observes (downtime from the login page's answers, module runs from a run's events)."""
import shutil
import sys

import pytest

from sipptest import REPO, build_packages, fingerprints, start_region

sys.path.append(str(REPO / "bench"))
import bench_campaign as campaign  # noqa: E402  pylint: disable=wrong-import-position
import bench_product as product  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    return build_packages(tmp_path_factory.mktemp("paket"))


@pytest.fixture()
def region():
    reg = start_region("sbn", 2, "local", versions=["5.1.0"])
    try:
        yield reg
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)


def test_downtime_runs_from_the_first_failed_answer_to_the_last_return_to_200():
    poll = product.Poller("http://127.0.0.1:1/")
    assert poll.window() is None and poll.downtime() == 0.0
    poll.samples = [(10.0, 200), (10.5, 503), (11.0, 503), (11.5, 200), (12.0, 500), (12.5, 0), (13.0, 200),
                    (13.5, 200)]
    assert poll.window() == (10.5, 13.0) and poll.downtime() == 2.5
    poll.samples.append((14.0, 503))
    with pytest.raises(RuntimeError, match="never answered 200 again"):
        poll.window()


def test_module_runs_leave_out_controller_actions_and_count_those_while_offline():
    def event(kind, host, task, action, start=None, end=None, role=None, play=product.COURTS_PLAY):
        data = {"host": host, "task": task, "resolved_action": action, "role": role, "play": play}
        if start is not None:
            data.update(start="2026-12-07T05:00:%02d+00:00" % start, end="2026-12-07T05:00:%02d+00:00" % end)
        return {"event": kind, "event_data": data}

    class Runner:
        events = [
            event("runner_on_ok", "pn_a", "t1", "ansible.builtin.set_fact", 0, 1),
            event("runner_on_ok", "pn_a", "t2", "pengadilan.sipp.sipp_site", 2, 5, role="pengadilan.sipp.backup"),
            event("runner_on_failed", "pn_a", "t3", "ansible.builtin.command", 10, 11, role="pengadilan.sipp.backup"),
            event("runner_on_ok", "pn_b", "t2", "pengadilan.sipp.sipp_site", 2, 5),
            event("runner_on_skipped", "pn_a", "t4", "ansible.builtin.copy"),
            # the controller's own: an action plugin that contacts no court, the report play's files
            event("runner_on_ok", "pn_a", "t5", "pengadilan.sipp.sipp_offline_slot", 12, 13),
            event("runner_on_ok", "pn_a", "t6", "ansible.builtin.copy", 14, 15, play="Laporan upgrade SIPP"),
        ]
    results = product.host_results(Runner, "pn_a")
    assert [r["task"] for r in results] == ["t1", "t2", "t3", "t5", "t6"]
    start = results[0]["start"]
    assert product.module_runs(results) == (2, 0)
    assert product.module_runs(results, (start + 4, start + 9)) == (2, 1)
    # none at all: the play was renamed, the figure cannot be measured
    with pytest.raises(RuntimeError):
        product.module_runs([r for r in results if r["task"] in ("t1", "t6")])
    assert product.role_span(results, "backup") == 9.0 and product.role_span(results, "rollback") is None
    assert product.task_span(results, "t2") == 3.0


def test_the_upgrade_by_hand_upgrades_and_the_state_comes_back(region, packages, tmp_path):
    court = region.courts()[0]
    before = fingerprints(region)[court.info["id"]]
    court.save_state(tmp_path / "saved")
    region.save()
    got = product.hand_upgrade(court, packages / "sipp-5.1.0-5.2.0.zip", tmp_path / "hand")
    after = fingerprints(region)[court.info["id"]]
    assert after["version"] == "5.2.0" and after["site_offline"] == before["site_offline"]
    # maintenance was seen from outside: SIPP was down for a while, and up again
    assert got["downtime"] > 0 and product.http_get(court.url)[0] == 200
    court.load_state(tmp_path / "saved")
    region.save()
    assert product.same_as(court, before) == []


def test_the_campaign_script_upgrades_every_court_at_once(region, packages, tmp_path, monkeypatch):
    # a tiny court's maintenance is shorter than the campaign's half-second polls: poll as P1 does
    monkeypatch.setattr(campaign, "CAMPAIGN_POLL", product.POLL)
    got = campaign.by_script(region, packages / "sipp-5.1.0-5.2.0.zip", tmp_path / "script")
    assert {fp["version"] for fp in fingerprints(region).values()} == {"5.2.0"}
    assert set(got["downtimes"]) == {c.info["id"] for c in region.courts()}
    assert all(d > 0 for d in got["downtimes"].values()) and got["cpu_seconds_per_court"] > 0
