"""The monitoring report (SOP "Monitoring Sinkronisasi dan Back Up SIPP") that closes the scheduled jobs
pengadilan.sipp.backup and pengadilan.sipp.sync_check, through ansible-runner as AWX runs them, on a small simulated
region in local mode plus one court nobody can reach: per court the last good backup, tonight's backup, the sync and
the backup disk, a status with reasons, courts needing attention first; HTML (escaped), CSV, JSON, English, mail with
the report role's mail tasks, nothing written in check mode or when switched off, no secret anywhere."""
import csv
import json
import shutil
import stat
import time
from html.parser import HTMLParser

import pytest
import yaml

from sippsim import sync
from sippsim.court import SIPP_DB
from sipptest import FAST_POLLS, assert_no_secret, run_playbook, start_region, task_results
from smtpsink import SmtpSink

NAME = 'Pengadilan Negeri <script>alert("x")</script> & {{ 7 * 6 }}'
DEAD = "pn_mati"
RESULT_TASK = "Catat hasil pemantauan pengadilan ini"
SUMMARY_TASK = "Tampilkan ringkasan pemantauan"


@pytest.fixture(scope="module")
def region():
    reg = start_region("smo", 3, "local")
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def courts(region):
    """healthy, stale (sync 30 h old; disk limit 100% as its host var), nobackup (every backup refused for space;
    a court name full of HTML and Jinja)."""
    healthy, stale, nobackup = region.courts()  # each synchronised when the region came up
    sync.age(stale, 30)
    conn = nobackup.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE sys_config SET value = %s WHERE id = 62", (NAME,))
        conn.commit()
    finally:
        conn.close()
    return dict(healthy=healthy, stale=stale, nobackup=nobackup)


@pytest.fixture(scope="module")
def inventory(region, courts, tmp_path_factory):
    """The region's inventory in a folder of its own, with host_vars, and one more court whose SSH port is closed."""
    inv = tmp_path_factory.mktemp("inventaris")
    shutil.copy(region.inventory_path, inv / "region.yml")
    group = next(iter(region.inventory()["all"]["children"]))
    dead = {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_user": "root", "ansible_connection": "ssh"}
    (inv / "mati.yml").write_text(yaml.safe_dump({"all": {"children": {group: {"hosts": {DEAD: dead}}}}}))
    (inv / "host_vars").mkdir()
    (inv / "host_vars" / ("%s.yml" % courts["stale"].info["id"])).write_text(
        yaml.safe_dump({"sipp_monitor_disk_min_free_percent": 100}))
    (inv / "host_vars" / ("%s.yml" % courts["nobackup"].info["id"])).write_text(
        yaml.safe_dump({"sipp_backup_space_margin_percent": 10 ** 12}))
    return inv


def run(playbook, inventory, region, check=False, **extravars):
    r = run_playbook(playbook, inventory, extravars=extravars, check=check)
    assert_no_secret(region, r.config.private_data_dir)
    return r


def report_files(out):
    files = sorted(out.iterdir())
    assert len(files) == 3, files
    assert files[0].stem == files[1].stem == files[2].stem and files[0].stem.startswith("pemantauan-sipp-")
    return dict((f.suffix[1:], f) for f in files)


@pytest.fixture(scope="module")
def nightly(region, courts, inventory, tmp_path_factory):
    """The nightly backup job, once: its runner and the folder of its report. The database alone, without the
    maintenance switch: what the report reads of a backup is the same, and the job is quicker."""
    out = tmp_path_factory.mktemp("laporan") / "laporan-sipp"
    r = run("pengadilan.sipp.backup", inventory, region, sipp_monitor_dir=str(out), sipp_backup_app=False,
            sipp_backup_maintenance=False, **FAST_POLLS)
    assert_no_secret(region, out)
    return r, out


class Rows(HTMLParser):
    """The rows of table.courts: [{court, status, problems, cells: {td class: text}}] and every tag."""

    def __init__(self):
        super().__init__()
        self.tags, self.rows, self._row, self._cell = [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        classes = (attrs.get("class") or "").split()
        if tag == "tr" and "court" in classes:
            self._row = dict(court=attrs["data-court"], status=attrs["data-status"],
                             problems=attrs["data-problems"].split(), cells={})
        elif tag == "td" and self._row is not None:
            self._cell = classes[0]
            self._row["cells"][self._cell] = ""

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._row is not None and self._cell:
            self._row["cells"][self._cell] += data


def parse(path):
    parser = Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def csv_rows(path):
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert all(len(row) == len(table[0]) for row in table)
    return [dict(zip(table[0], row)) for row in table[1:]]


def summary_lines(runner):
    """The monitoring summary the job's log shows (once, from whichever court ran the controller's tasks)."""
    shown = list(task_results(runner, SUMMARY_TASK).values())
    assert len(shown) == 1, shown
    return shown[0]["msg"]


def expected_order(courts, attention):
    """Attention first, each part by kode satker (the unreachable court has none: first)."""
    kode = dict((c.info["id"], c.info["kode_satker"]) for c in courts.values())
    kode[DEAD] = ""
    return sorted(attention, key=lambda h: kode[h]) + sorted(set(kode) - set(attention), key=lambda h: kode[h])


def test_nightly_backup_job_reports_every_court(nightly, courts):
    r, out = nightly
    healthy, stale, nobackup = (courts[k].info["id"] for k in ("healthy", "stale", "nobackup"))
    # the job still fails the courts it could not back up, with their reasons, after the report is written
    assert r.status == "failed"
    assert set(r.stats["failures"]) == {nobackup, DEAD}, r.stats
    files = report_files(out)
    for path in files.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path
    assert stat.S_IMODE(out.stat().st_mode) == 0o750

    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert data["kind"] == "pemantauan-sipp" and data["job"] == "backup" and data["language"] == "id"
    assert data["title"] == "Laporan Pemantauan Sinkronisasi dan Cadangan SIPP"
    assert data["regions"] == ["Pengadilan Tinggi Bandung"]
    assert data["summary"] == {"perhatian": 3, "baik": 1, "total": 4}
    order = expected_order(courts, [stale, nobackup, DEAD])
    assert [c["court"] for c in data["courts"]] == order
    by = dict((c["court"], c) for c in data["courts"])

    good = by[healthy]
    assert good["status"] == "baik" and good["status_text"] == "baik" and good["reasons"] == [], good
    assert good["kode_satker"] == courts["healthy"].info["kode_satker"] and good["version"]
    assert good["tonight"]["status"] == "ok" and good["tonight"]["text"] == "berhasil: " + good["backup"]["name"]
    backup = good["backup"]
    assert backup["name"].startswith("SIPP-%s-" % good["kode_satker"]) and backup["verified"] is True
    assert (courts["healthy"].root / "var/backups/sipp" / backup["name"] / "BACKUP.json").exists()
    assert 0 <= backup["age_hours"] < 1 and backup["max_age_hours"] == 26
    assert backup["size_bytes"] > 0 and backup["size_text"].split()[-1] in ("KB", "MB", "GB")
    assert good["sync"]["ok"] is True and good["sync"]["fresh"] is True and good["sync"]["stamp"]
    assert good["sync"]["max_age_minutes"] == 480  # the sync_check role's own limit
    disk = good["disk"]
    assert disk["free_bytes"] > 0 and 0 < disk["free_percent"] <= 100 and disk["min_free_percent"] == 10
    assert disk["need_bytes"] > 0 and disk["path"].endswith("/var/backups/sipp")

    late = by[stale]
    assert late["status"] == "perhatian" and late["problems"] == ["sync_stale", "disk_low"], late
    assert late["tonight"]["status"] == "ok" and late["backup"]["verified"] is True
    assert late["sync"]["fresh"] is False and late["sync"]["age_seconds"] >= 30 * 3600 - 120
    assert "lebih lama dari batas 480 menit" in late["reasons"][0]
    assert "Jalankan sinkronisasi dari menu SIPP" in late["reasons"][0]
    assert "di bawah batas 100%" in late["reasons"][1]
    assert "Pindahkan cadangan lama ke disk eksternal" in late["reasons"][1]

    bad = by[nobackup]
    assert bad["problems"] == ["backup_failed", "backup_missing", "disk_next_backup"], bad
    assert bad["nama"] == NAME
    assert bad["tonight"]["status"] == "failed" and "tidak cukup" in bad["tonight"]["error"]
    assert bad["reasons"][0].startswith("Pencadangan malam ini gagal: ") and "jalankan lagi" in bad["reasons"][0]
    assert "Tidak ada cadangan terverifikasi" in bad["reasons"][1] and "pengadilan.sipp.backup" in bad["reasons"][1]
    assert "pencadangan berikutnya akan ditolak" in bad["reasons"][2]
    assert bad["backup"]["name"] is None and bad["backup"]["verified"] is False

    dead = by[DEAD]
    assert dead["problems"] == ["unreachable"] and dead["checked"] is False
    assert "tidak terjangkau dari controller" in dead["reasons"][0] and "127.0.0.1" in dead["reasons"][0]
    assert "Periksa apakah server menyala" in dead["reasons"][0]
    assert dead["tonight"]["status"] == "failed"

    # HTML: the same order, every court text escaped, printable, self-contained
    doc = parse(files["html"])
    raw = files["html"].read_text(encoding="utf-8")
    assert [row["court"] for row in doc.rows] == order
    assert "script" not in doc.tags and "<script>" not in raw and "&lt;script&gt;" in raw
    rows = dict((row["court"], row) for row in doc.rows)
    assert rows[nobackup]["cells"]["nama"].startswith(NAME)  # shown as text, {{ }} not evaluated
    assert "& 42" not in raw
    assert rows[nobackup]["problems"] == bad["problems"] and rows[healthy]["status"] == "baik"
    assert rows[healthy]["cells"]["tonight"] == "berhasil: " + backup["name"]
    assert rows[healthy]["cells"]["status"] == "baik"
    assert rows[stale]["cells"]["status"].startswith("perlu perhatian")
    assert "@page" in raw and "A4" in raw and "http://" not in raw and "https://" not in raw
    assert not any(t in doc.tags for t in ("link", "img", "iframe", "object"))

    # CSV: one row per court, the same order and words
    records = csv_rows(files["csv"])
    assert [rec["Host"] for rec in records] == order
    rec = dict((rec["Host"], rec) for rec in records)
    assert rec[healthy]["Status"] == "baik" and rec[healthy]["Terverifikasi"] == "ya"
    assert rec[healthy]["Nama cadangan"] == backup["name"] and int(rec[healthy]["Ukuran cadangan (byte)"]) > 0
    assert rec[stale]["Sinkronisasi segar"] == "tidak" and rec[stale]["Batas ruang kosong (%)"] == "100"
    assert rec[nobackup]["Pengadilan"] == NAME and rec[nobackup]["Pencadangan malam ini"] == "gagal"
    assert " | " in rec[nobackup]["Alasan dan tindakan"]

    # the job's log shows the summary; AWX receives it through set_stats
    summary = "\n".join(summary_lines(r))
    assert "3 perlu perhatian, 1 baik" in summary and str(files["html"]) in summary
    stats = [ev["event_data"].get("artifact_data") for ev in r.events if ev["event"] == "playbook_on_stats"][0]
    assert stats["sipp_monitor"]["attention"] == [c for c in order if c != healthy]


def test_sync_check_job_report_in_english_mailed_when_attention(nightly, region, courts, inventory, tmp_path):
    healthy, stale, nobackup = (courts[k].info["id"] for k in ("healthy", "stale", "nobackup"))
    # the stale court's last good backup is 50 hours old by now: by its own record (a file's mtime says nothing)
    record = sorted((courts["stale"].root / "var/backups/sipp").glob("*/BACKUP.json"))[-1]
    then = time.time() - 50 * 3600
    data = json.loads(record.read_text())
    data.update(created=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(then)), created_epoch=then)
    record.write_text(json.dumps(data))
    out = tmp_path / "report"
    with SmtpSink() as sink:
        r = run("pengadilan.sipp.sync_check", inventory, region, sipp_language="en", sipp_monitor_dir=str(out),
                sipp_monitor_name="monitoring", sipp_monitor_mail=True, sipp_monitor_mail_when="attention",
                sipp_report_smtp_host="127.0.0.1", sipp_report_smtp_port=sink.port,
                sipp_report_mail_from="laporan-sipp@pt-bandung.go.id",
                sipp_report_mail_to=["kasubbag.ptip@pt-bandung.go.id"])
    assert r.status == "failed"
    assert set(r.stats["failures"]) == {stale, DEAD}, r.stats  # the sync check fails a stale sync, as before
    files = dict((p.suffix[1:], p) for p in out.iterdir())
    assert sorted(p.name for p in files.values()) == ["monitoring.csv", "monitoring.html", "monitoring.json"]
    assert_no_secret(region, out)
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert data["job"] == "sync_check" and data["language"] == "en"
    assert data["title"] == "SIPP Synchronisation and Backup Monitoring Report"
    order = expected_order(courts, [stale, nobackup, DEAD])
    assert [c["court"] for c in data["courts"]] == order
    by = dict((c["court"], c) for c in data["courts"])
    assert by[healthy]["status_text"] == "good" and by[healthy]["tonight"]["ran"] is False
    assert by[healthy]["backup"]["verified"] is True and by[healthy]["sync"]["ok"] is True
    late = by[stale]
    # an unhealthy sync is the report's reason, not a second "job failed" one
    assert late["problems"] == ["backup_old", "sync_stale", "disk_low"], late
    assert late["status_text"] == "needs attention"
    assert "is 2 d 2 h old, over the limit of 26 hours" in late["reasons"][0]
    assert "Run a synchronisation from SIPP's menu" in late["reasons"][1]
    assert by[nobackup]["problems"] == ["backup_missing", "disk_next_backup"]
    assert by[nobackup]["reasons"][0].startswith("No verified backup")
    assert by[DEAD]["problems"] == ["unreachable"] and "cannot be reached" in by[DEAD]["reasons"][0]

    doc = parse(files["html"])
    raw = files["html"].read_text(encoding="utf-8")
    assert '<html lang="en">' in raw and "&lt;script&gt;" in raw and "script" not in doc.tags
    assert [row["court"] for row in doc.rows] == order
    assert "tonight" not in doc.rows[0]["cells"]  # no backup ran in this job
    assert [rec["Host"] for rec in csv_rows(files["csv"])] == order
    assert "Backup age (hours)" in csv_rows(files["csv"])[0]

    # mailed by the report role's mail tasks, with its settings
    assert len(sink.mails) == 1
    mail = sink.mails[0]
    assert mail.rcpt_to == ["kasubbag.ptip@pt-bandung.go.id"]
    assert mail.message["Subject"].startswith("SIPP monitoring Pengadilan Tinggi Bandung ")
    assert mail.message["Subject"].endswith(": 3 needs attention, 1 good")
    assert sorted(mail.attachments()) == ["monitoring.csv", "monitoring.html", "monitoring.json"]
    body = mail.message.get_body(("plain",)).get_content()
    assert "Needs attention:" in body and by[healthy]["nama"] not in body


def test_check_mode_and_switch_off_write_nothing(nightly, region, courts, inventory, tmp_path):
    healthy = courts["healthy"].info["id"]
    out = tmp_path / "laporan"
    with SmtpSink() as sink:
        r = run("pengadilan.sipp.sync_check", inventory, region, check=True, sipp_target=healthy,
                sipp_monitor_dir=str(out), sipp_monitor_mail=True, sipp_report_smtp_host="127.0.0.1",
                sipp_report_smtp_port=sink.port, sipp_report_mail_from="laporan-sipp@pt-bandung.go.id",
                sipp_report_mail_to=["kasubbag.ptip@pt-bandung.go.id"])
    assert r.status == "successful", r.stdout.read()
    assert not out.exists() and sink.mails == []
    # the courts are still read and the summary is in the log
    assert task_results(r, RESULT_TASK)[healthy]["ansible_facts"]["sipp_monitor_result"]["backup"]["record"]
    summary = "\n".join(summary_lines(r))
    assert ": 1 baik" in summary and healthy in summary and "laporan-sipp" not in summary

    r = run("pengadilan.sipp.sync_check", inventory, region, sipp_target=healthy, sipp_monitor_dir=str(out),
            sipp_monitor_report=False)
    assert r.status == "successful", r.stdout.read()
    assert not out.exists()
    assert all(res["_event"] != "runner_on_ok" for res in task_results(r, RESULT_TASK).values())
