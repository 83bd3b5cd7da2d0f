"""Every message in the operator's language (sipp_language: id, the default, or en): every playbook of the
collection driven through its failure paths (the faults the other integration tests inject: a court that cannot be
reached, a stopped database, a stale synchronisation, a package refused, assistance not approved, a version with no
package chain, a backup with no room, a dump damaged once taken, a PHP error and a migration failing halfway that are
downgraded, the public site lost after an upgrade, a manual downgrade) and its good paths, once in Indonesian and once
in English, on one region; everything the run says to people (the messages of our modules and tasks, their warnings,
each court's result and its steps, the tables, the upgrade and monitoring reports in HTML, CSV and JSON) is read for
words of the other language. Names (of courts, paths, variables, and the tasks a message quotes: they are how the log
names them), codes and what a tool or server said itself are not words of either language (sipptest_language.py says
how they are told apart)."""
import shutil

import pytest
import yaml

from sipptest import (FAST_POLLS, build_packages, inventory_with_dead_court, run_playbook, start_region,
                      upgrade_results)
from sipptest_language import foreign_words, report_texts, run_texts, tool_texts
from smtpsink import SmtpSink
from sippsim.sync import FAULT_FILE as SYNC_FAULT_FILE

DEAD = "pn_mati"
# court role -> (version it starts on, its host_vars); group_vars: 5.1.0 -> 5.2.0 -> 5.2.1, assistance approved
CHAIN = ["sipp-5.1.0-5.2.0.zip", "sipp-5.2.0-5.2.1.zip"]
COURTS = {
    # upgraded by the run in its language (the other language's run leaves it alone), then rolled back
    "ok_id": ("5.1.0", {}),
    "ok_en": ("5.1.0", {}),
    "downgraded": ("5.2.0", {"sipp_upgrade_packages": ["faulty/sipp-5.2.0-5.2.1-php_fatal.zip"]}),
    "migration": ("5.1.0", {"sipp_upgrade_packages": ["faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"]}),
    # its newest dump is cut in half once taken (the fault below): the backup is not proved, nothing is changed
    "damaged": ("5.2.0", {}),
    "stale": ("5.2.0", {}),
    "waiting": ("5.1.0", {"sipp_upgrade_assisted_approved": False}),
    "too_old": ("5.0.0", {}),
    "corrupt": ("5.0.0", {"sipp_upgrade_packages": ["faulty/sipp-5.0.0-5.1.0-checksum_mismatch.zip"]}),
    "no_disk": ("5.2.0", {"sipp_backup_space_margin_percent": 10 ** 12}),
    "dead_db": ("5.2.0", {}),
}
LANGUAGES = ("id", "en")
OTHER = {"id": "en", "en": "id"}
SNAPSHOT_TASK = "Ambil snapshot integritas sebelum upgrade (disimpan bersama cadangan)"
PLAYBOOKS = ("upgrade", "report", "rollback", "backup", "sync_check", "info")


def _write_vars(reg, folder, by_role):
    paket = reg.dir / "paket"
    (folder / "group_vars").mkdir(exist_ok=True)
    (folder / "host_vars").mkdir(exist_ok=True)
    (folder / "group_vars" / "all.yml").write_text(yaml.safe_dump(dict(
        FAST_POLLS, sipp_upgrade_packages=[str(paket / n) for n in CHAIN], sipp_upgrade_assisted_approved=True,
        # the stopped database is not waited for as long as a restart would be
        sipp_campaign_db_wait=3, sipp_rollback_db_wait=3)))
    for role, court in by_role.items():
        hv = dict(COURTS[role][1])
        if "sipp_upgrade_packages" in hv:
            hv["sipp_upgrade_packages"] = [str(paket / n) for n in hv["sipp_upgrade_packages"]]
        (folder / "host_vars" / ("%s.yml" % court.info["id"])).write_text(yaml.safe_dump(hv))


def _runs(language, inv, by_role, tmp_path_factory, sink):
    """Every playbook in one language: {playbook: (runner, its report folder, [(where, text)] of its mails)}."""
    runs = {}
    run_id = "bahasa-" + language
    mine, other = by_role["ok_" + language].info["id"], by_role["ok_" + OTHER[language]].info["id"]
    damaged = by_role["damaged"]

    def run(playbook, faults=None, limit=None, **extra):
        # each run its own report folder: the monitoring report's name is the minute it was written; the report and
        # the nightly backup mail theirs to the Kasubbag (a local SMTP sink)
        out = tmp_path_factory.mktemp("%s-%s" % (playbook, language))
        extravars = dict(extra, sipp_language=language, sipp_report_dir=str(out), sipp_monitor_dir=str(out),
                         sipp_report_smtp_host="127.0.0.1", sipp_report_smtp_port=sink.port,
                         sipp_report_mail_from="laporan-sipp@pt-bandung.go.id",
                         sipp_report_mail_to=["kasubbag.ptip@pt-bandung.go.id"])
        before = len(sink.mails)
        runner = run_playbook("pengadilan.sipp." + playbook, inv, extravars=extravars, faults=faults, limit=limit)
        mails = [("mail: " + m.message["Subject"], text) for m in sink.mails[before:]
                 for text in (m.message["Subject"], m.message.get_body(("plain",)).get_content())]
        runs[playbook] = (runner, out, mails)

    # the court upgraded loses its link to the public SIPP site once verified: step 9 says what is left to do
    run("upgrade", limit="all:!%s" % other, sipp_run_id=run_id, faults=[
        dict(task=SNAPSHOT_TASK, host=damaged.info["id"], damage="truncate",
             backup_dir=str(damaged.root / "var/backups/sipp")),
        dict(task="Catat langkah 7", host=mine, write=str(by_role["ok_" + language].app_dir / SYNC_FAULT_FILE),
             text="unreachable\n")])
    run("report", sipp_report_run_id=run_id, sipp_report_mail=True)
    # the court upgraded goes back; the others fail each their way
    run("rollback", sipp_target=":".join([mine] + [by_role[r].info["id"] for r in ("dead_db", "too_old")] + [DEAD]))
    run("backup", sipp_monitor_mail=True)
    run("sync_check")
    run("info")
    return runs


@pytest.fixture(scope="module")
def region(collection, tmp_path_factory):
    roles = list(COURTS)
    reg = start_region("lang", len(roles), "local", versions=[COURTS[r][0] for r in roles])
    try:
        build_packages(reg.dir / "paket")
        inv = inventory_with_dead_court(reg, tmp_path_factory.mktemp("inventaris"), DEAD)
        by_role = dict(zip(roles, reg.courts()))
        _write_vars(reg, inv, by_role)
        from sippsim import procs, sync
        sync.age(by_role["stale"], 30)
        dead = by_role["dead_db"]
        for rec in dead.info["procs"]:
            if rec["name"] == "mariadb:%s" % dead.info["id"]:
                procs.stop(rec)
        names = [c.info[k] for c in reg.courts() for k in ("nama", "nama_pt", "id")] + [DEAD]
        with SmtpSink() as sink:
            runs = {language: _runs(language, inv, by_role, tmp_path_factory, sink) for language in LANGUAGES}
        yield {"reg": reg, "by_role": by_role, "runs": runs, "names": names}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_upgrade_took_every_path(region, language):
    """Not a test that cannot fail: each court went the way its fault says, in both languages."""
    res = upgrade_results(region["runs"][language]["upgrade"][0])
    by_role = region["by_role"]
    status = {role: res[c.info["id"]]["status"] for role, c in by_role.items() if role != "ok_" + OTHER[language]}
    assert status == dict({r: "gagal" for r in COURTS if r != "ok_" + OTHER[language]}, downgraded="didowngrade",
                          **{"ok_" + language: "berhasil"},
                          migration="didowngrade", waiting="menunggu", stale="dilewati", too_old="dilewati"), status
    assert res[DEAD]["status"] == "gagal"
    assert None not in region["runs"][language]["upgrade"][0].fault_records
    step9 = [s for s in res[by_role["ok_" + language].info["id"]]["steps"] if s["step"] == 9][0]
    assert step9["status"] == "gagal", step9


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_message_is_in_the_language_asked(region, playbook, language):
    run, out, mails = region["runs"][language][playbook]
    texts = run_texts(run) + report_texts(out) + mails
    assert texts, "the run said nothing"
    if playbook in ("report", "backup"):
        assert mails, "the run mailed nothing"
    # what tools and SIPP said in any run of this language (the report quotes the upgrade's results)
    tools = [t for r in region["runs"][language].values() for t in tool_texts(r[0])]
    found = foreign_words(texts, language, names=region["names"], tools=tools)
    assert found == [], "\n".join(found)
