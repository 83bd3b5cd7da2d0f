"""Every playbook checks every variable it takes before anything runs on any court (pengadilan.sipp.sipp_vars, its
first task), through ansible-runner beside a real simulated court and a court that cannot be reached: a wrong value
stops the run with exit code 2 and one message naming each variable the operator set, what was given and what is
allowed, in the run's language; no other task runs anywhere and the court's fingerprint is unchanged."""
import json
import shutil

import pytest

from sipptest import EE_PLAYBOOK, fingerprints, inventory_with_dead_court, run_playbook, start_region

CHECK_TASK = "Periksa variabel playbook (sebelum apa pun dijalankan di pengadilan)"
DEAD = "pn_mati"
PLAYBOOKS = ("upgrade", "backup", "sync_check", "rollback", "report", "info")
WRONG = {"str": {"a": 1}, "path": ["/a", "/b"], "int": "sepuluh", "float": "banyak", "bool": "mungkin",
         "dict": "teks", "list": {"a": 1}}


@pytest.fixture(scope="module")
def region(collection, tmp_path_factory):
    reg = start_region("vars", 1, "local", versions=["5.1.0"])
    try:
        # a court that cannot be reached, whose own inventory value is wrong: named with its court only
        inv = inventory_with_dead_court(reg, tmp_path_factory.mktemp("inventaris"), DEAD, sipp_backup_keep="tujuh")
        yield {"reg": reg, "inv": inv, "court": reg.courts()[0]}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def declared(playbook):
    from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_vars

    return sipp_vars.load(playbook)


def assert_stopped_before_anything(r, region, before):
    """Exit code 2, the check task the only one with a result, the court untouched; returns the check's message."""
    assert r.rc == 2, (r.rc, r.stats)
    tasks = {ev["event_data"].get("task") for ev in r.events
             if ev["event"] in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped")}
    assert tasks == {CHECK_TASK}, tasks
    failed = [ev["event_data"]["res"] for ev in r.events if ev["event"] == "runner_on_failed"]
    assert len(failed) == 1, failed
    assert fingerprints(region["reg"]) == before
    return failed[0]["msg"]


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_declared_variable_given_wrong_is_named_and_nothing_runs(region, playbook):
    """The walk through ansible-playbook: every variable the playbook declares, each of the wrong type at once."""
    declaration = declared(playbook)
    # sipp_target chooses the play's hosts: a wrong one matches no court (its form is checked in the unit tests)
    extravars = {name: WRONG[spec.get("type", "str")] for name, spec in declaration["options"].items()
                 if spec.get("type") != "raw" and name != "sipp_target"}
    extravars["sipp_target"] = "all"
    before = fingerprints(region["reg"])
    r = run_playbook("pengadilan.sipp.%s" % playbook, region["inv"], extravars=extravars)
    msg = assert_stopped_before_anything(r, region, before)
    for name, value in extravars.items():
        if name == "sipp_target":
            continue
        assert "- %s: " % name in msg or "- %s " % name in msg, "%s is not named in:\n%s" % (name, msg)
        spec = declaration["options"][name]
        if not spec.get("no_log"):
            assert json.dumps(value, sort_keys=True) in msg
    # a wrong language variable: the message in Bahasa Indonesia and in English
    assert "tidak ada yang dijalankan di pengadilan mana pun" in msg and "nothing was run on any court" in msg


@pytest.mark.parametrize("core", ["2.19", "2.16"])
@pytest.mark.parametrize("given, expected", [
    ({"sipp_upgrade_packages": 5}, ['sipp_upgrade_packages: diberi 5 (bilangan bulat); yang diterima: daftar path']),
    ({"sipp_campaign_waves": "abc"},
     ['sipp_campaign_waves: isi ke-1 diberi "abc"; yang diterima: ukuran gelombang']),
    ({"sipp_upgrade_package": ["paket/sipp-5.1.0-5.2.0.zip"], "sipp_upgrade_packages": None},
     ["sipp_upgrade_packages wajib diisi", "sipp_upgrade_package tidak dikenal playbook ini (salah ketik?). "
      "Maksudnya sipp_upgrade_packages?"]),
    ({"sipp_upgrade_packages": []}, ["sipp_upgrade_packages wajib diisi (paket yang diumumkan SATGAS SIPP"]),
    ({"sipp_language": "fr"}, ['sipp_language: diberi "fr"; yang diterima: salah satu dari id, en.',
                               'sipp_language: given "fr"; allowed: one of id, en.']),
    ({"sipp_campaign_max_fail_percentage": "sepuluh", "sipp_language": "en"},
     ['sipp_campaign_max_fail_percentage: given "sepuluh" (text); allowed: an integer.']),
], ids=["packages-5", "waves-abc", "packages-misspelled", "packages-empty", "language-fr", "percent-en"])
def test_the_upgrade_refuses_a_wrong_variable_before_any_court(region, given, expected, core):
    extravars = {"sipp_upgrade_packages": ["paket/sipp-5.1.0-5.2.0.zip"], "sipp_target": region["court"].info["id"]}
    extravars.update(given)
    if extravars["sipp_upgrade_packages"] is None:
        del extravars["sipp_upgrade_packages"]
    before = fingerprints(region["reg"])
    r = run_playbook("pengadilan.sipp.upgrade", region["inv"], extravars=extravars,
                     binary=EE_PLAYBOOK if core == "2.16" else None)
    msg = assert_stopped_before_anything(r, region, before)
    for text in expected:
        assert text in msg, msg
    assert "sipp_preflight_packages" not in msg
    if extravars.get("sipp_language") == "en":
        assert "Correct the value" in msg and "Perbaiki nilai" not in msg
    elif "sipp_language" not in extravars:
        assert "Perbaiki nilai" in msg and "Correct the value" not in msg


def test_a_wrong_inventory_value_of_one_court_is_named_with_that_court(region):
    before = fingerprints(region["reg"])
    r = run_playbook("pengadilan.sipp.backup", region["inv"], extravars={"sipp_language": "en"})
    msg = assert_stopped_before_anything(r, region, before)
    assert 'sipp_backup_keep: given "tujuh" (text); allowed: an integer (courts: %s).' % DEAD in msg, msg
    assert "Variables of playbook backup are wrong: nothing was run on any court." in msg


def test_a_rollback_without_sipp_target_reaches_no_court(region):
    before = fingerprints(region["reg"])
    r = run_playbook("pengadilan.sipp.rollback", region["inv"])
    msg = assert_stopped_before_anything(r, region, before)
    assert "sipp_target wajib diisi (nama host, grup atau pola host inventaris" in msg, msg
    assert "atau pengadilannya dibatasi dengan --limit" in msg
    # limited to the dead court (as an AWX template's limit): the check passes, the court is named unreachable
    r = run_playbook("pengadilan.sipp.rollback", region["inv"], limit=DEAD)
    assert r.rc == 2
    checks = [ev for ev in r.events if ev["event_data"].get("task") == CHECK_TASK and ev["event"] == "runner_on_ok"]
    assert len(checks) == 1
    assert "tidak dapat dihubungi" in json.dumps([ev["event_data"].get("res", {}) for ev in r.events
                                                  if ev["event"] == "runner_on_failed"])


def test_right_values_pass_the_check_and_the_run_goes_on(region):
    """Survey-shaped answers (texts for lists and numbers, yes/no) pass; the info playbook then reads the courts."""
    r = run_playbook("pengadilan.sipp.info", region["inv"],
                     extravars={"sipp_language": "en", "sipp_search_paths": [], "sipp_target": "all"})
    assert r.rc == 0, r.stats
    checks = [ev for ev in r.events if ev["event_data"].get("task") == CHECK_TASK and ev["event"] == "runner_on_ok"]
    assert len(checks) == 1 and checks[0]["event_data"]["res"]["problems"] == []
