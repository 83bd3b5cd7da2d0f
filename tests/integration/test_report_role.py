"""The report role (SOP step 10) through ansible-runner, as AWX runs it: per-court results (host facts and result
files) -> HTML for A4, CSV and JSON on the controller, in Bahasa Indonesia and English, escaped, courts needing
attention first, over-time steps marked; mailed to a real SMTP server started here, and only when asked."""
import copy
import csv
import json
import os
import shutil
import stat
import subprocess
from html.parser import HTMLParser

import pytest
import yaml

from sipptest import BIN_216, ansible_env, run_playbook
from smtpsink import SmtpSink

PLAYBOOK = "pengadilan.sipp.report"
RUN_ID = "20261124-2100"
SCRIPT = '<script>alert("x")</script>'
PASSWORD = "s3cr3t' \"$HOME; rahasia"
STEP_NAMES_ID = ["Pengumuman paket", "Pencadangan", "Pemeriksaan sinkronisasi", "Mandiri atau pendampingan",
                 "Berkas aplikasi", "Perubahan basis data", "Verifikasi", "Downgrade", "Sinkronisasi", "Laporan"]


def steps(**over):
    """Ten SOP steps, 60 s each unless given: over={'s2': 4000, 's8': 'dilewati'}."""
    out = []
    for n in range(1, 11):
        value = over.get("s%d" % n, 60)
        status = value if isinstance(value, str) else "ok"
        out.append(dict(step=n, name="langkah %d" % n, status=status, started="2026-11-24T21:%02d:00+07:00" % n,
                        finished="2026-11-24T21:%02d:59+07:00" % n,
                        seconds=None if status == "dilewati" else (value if not isinstance(value, str) else 30),
                        output="keluaran langkah %d" % n))
    return out


def result(court, kode, nama, status, before, after, reason=None, **kw):
    out = dict(court=court, nama=nama, kode_satker=kode, pengadilan_tinggi="Pengadilan Tinggi Bandung",
               run_id=RUN_ID, started="2026-11-24T21:00:00+07:00", finished="2026-11-24T21:40:00+07:00",
               version_before=before, version_after=after, target_version="5.3.0", status=status, reason=reason,
               steps=steps(), backup=dict(name="SIPP-%s-2026-11-24-2100" % kode, sha256=(kode * 11)[:64]),
               sync_stamp="2026-11-24 21:39:00")
    out.update(kw)
    return out


# Host facts (host_vars), one court per status; pn_tsm comes from a result file only.
RESULTS = [
    result("pn_bdg", "097734", "Pengadilan Negeri Bandung", "berhasil", "5.2.0", "5.3.0",
           steps=steps(s2=4000, s8="dilewati")),
    result("pn_bks", "097740", "Pengadilan Negeri Bekasi", "didowngrade", "5.2.0", "5.2.0",
           reason="verifikasi gagal: halaman login menampilkan galat PHP; dikembalikan ke 5.2.0",
           steps=steps(s6="gagal")),
    result("pn_dpk", "401234", "Pengadilan Negeri Depok & <Cibinong>", "dilewati", "5.2.0", "5.2.0",
           reason="sinkronisasi basi " + SCRIPT, steps=steps(s3="gagal", s5="dilewati", s6="dilewati"),
           backup=dict(name=None, sha256=None)),
    result("pn_bgr", "097751", "Pengadilan Negeri Bogor", "menunggu", "5.2.0", "5.2.0",
           reason="paket mengubah basis data"),
    result("pn_crb", "097762", "Pengadilan Negeri Cirebon", "gagal", "5.2.0", None,
           reason="migrasi 002_perkara.sql baris 7: Unknown column"),
    result("pn_smd", "097773", "Pengadilan Negeri Sumedang", "sudah", "5.3.0", "5.3.0"),
]
FILE_ONLY = result("pn_tsm", "097790", "Pengadilan Negeri Tasikmalaya {{ 7 * 6 }}", "berhasil", "5.2.0", "5.3.0")
# Expected order: attention first (gagal, didowngrade, dilewati, menunggu), then berhasil, sudah; by kode satker.
ORDER = ["pn_crb", "pn_bks", "pn_dpk", "pn_bgr", "pn_bdg", "pn_tsm", "pn_smd"]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """An inventory of localhost-only hosts whose sipp_result facts are host_vars, and a results folder holding
    pn_tsm's result and an older result of pn_bdg (the fact, newer, must win)."""
    base = tmp_path_factory.mktemp("report")
    hosts = {r["court"]: {"ansible_connection": "local"} for r in RESULTS}
    hosts["pn_tsm"] = {"ansible_connection": "local"}
    (base / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    (base / "host_vars").mkdir()
    for r in RESULTS:
        (base / "host_vars" / ("%s.yml" % r["court"])).write_text(yaml.safe_dump({"sipp_result": r},
                                                                                  allow_unicode=True))
    results_dir = base / "hasil"
    results_dir.mkdir()
    (results_dir / "pn_tsm.json").write_text(json.dumps(FILE_ONLY))
    stale = copy.deepcopy(RESULTS[0])
    stale.update(status="gagal", finished="2026-11-20T10:00:00+07:00", reason="hasil lama")
    (results_dir / "pn_bdg-lama.json").write_text(json.dumps(stale))
    return base


def run(region, collection, out, check=False, **extra):
    extravars = dict(sipp_report_dir=str(out), sipp_report_results_dir=str(region / "hasil"))
    extravars.update(extra)
    r = run_playbook(PLAYBOOK, region / "inventory.yml", extravars=extravars, check=check)
    return r, r.stdout.read()


class ReportParser(HTMLParser):
    """Rows of table.courts: {court, status, cells: {td class: text}, steps: [(step, classes, text)]}; every tag."""

    def __init__(self):
        super().__init__()
        self.tags, self.rows, self.summary = [], [], {}
        self._row = self._cell = self._step = None
        self._summary = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        classes = (attrs.get("class") or "").split()
        if tag == "tr" and "court" in classes:
            self._row = dict(court=attrs.get("data-court"), status=attrs.get("data-status"), classes=classes,
                             cells={}, steps=[])
        elif tag == "tr" and any(c.startswith("summary-") for c in classes):
            self._summary = [c for c in classes if c.startswith("summary-")][0][8:]
            self.summary[self._summary] = ""
        elif tag == "td" and self._row is not None:
            self._cell = classes[0]
            self._row["cells"][self._cell] = ""
        elif tag == "li" and self._row is not None:
            self._step = [int(attrs["data-step"]), classes, ""]
        elif tag in ("td", "th") and self._summary and "count" in classes:
            self._cell = "count"

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "tr":
            self._summary = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "li" and self._step is not None:
            self._row["steps"].append(tuple(self._step))
            self._step = None

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None and self._cell:
            self._row["cells"][self._cell] += data
        if self._step is not None:
            self._step[2] += data
        if self._summary and self._cell == "count":
            self.summary[self._summary] += data.strip()


def parse_html(path):
    parser = ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def files_of(out, name):
    return [out / (name + ext) for ext in (".html", ".csv", ".json")]


def test_report_in_indonesian(region, collection, tmp_path):
    out = tmp_path / "laporan"
    r, stdout = run(region, collection, out)
    assert r.status == "successful", stdout
    html, csv_path, json_path = files_of(out, "laporan-upgrade-sipp-" + RUN_ID)
    for path in (html, csv_path, json_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path
    assert stat.S_IMODE(out.stat().st_mode) == 0o750

    doc = parse_html(html)
    raw = html.read_text(encoding="utf-8")
    # escaped: no script element, the text shows the tag literally; a result file's {{ }} stays text
    assert "script" not in [t for t, _ in doc.tags]
    assert SCRIPT not in raw and "&lt;script&gt;" in raw
    assert "Pengadilan Negeri Tasikmalaya {{ 7 * 6 }}" in "".join(doc.text) and "Tasikmalaya 42" not in raw
    # printable on A4, self-contained: no external resource of any kind
    assert "@page" in raw and "A4" in raw
    for tag, attrs in doc.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        assert not any(k in ("src", "href") for k in attrs), (tag, attrs)
    assert "http://" not in raw and "https://" not in raw and "url(" not in raw
    assert doc.tags[0][0] == "html" and dict(doc.tags[0][1])["lang"] == "id"

    assert [row["court"] for row in doc.rows] == ORDER
    rows = {row["court"]: row for row in doc.rows}
    assert rows["pn_crb"]["cells"]["status"].startswith("gagal")
    assert "migrasi 002_perkara.sql baris 7" in rows["pn_crb"]["cells"]["status"]
    assert rows["pn_bks"]["cells"]["status"].startswith("di-downgrade")
    assert rows["pn_dpk"]["cells"]["status"] == "dilewati: sinkronisasi basi " + SCRIPT
    assert rows["pn_dpk"]["cells"]["nama"] == "Pengadilan Negeri Depok & <Cibinong>"
    assert rows["pn_bgr"]["cells"]["status"].startswith("menunggu pendampingan Admin TI PT")
    assert rows["pn_bdg"]["cells"]["status"] == "berhasil"
    assert rows["pn_smd"]["cells"]["status"] == "sudah versi 5.3.0"
    assert rows["pn_bdg"]["cells"]["version"] == "5.2.0 \u2192 5.3.0"
    assert rows["pn_crb"]["cells"]["version"] == "5.2.0 \u2192 -"
    assert rows["pn_bdg"]["cells"]["kode_satker"] == "097734"
    assert rows["pn_bdg"]["cells"]["backup"] == "SIPP-097734-2026-11-24-2100" + ("097734" * 11)[:64]
    assert rows["pn_dpk"]["cells"]["backup"] == "-"
    assert rows["pn_bdg"]["cells"]["sync_stamp"] == "2026-11-24 21:39:00"
    assert all("attention" in rows[c]["classes"] for c in ORDER[:4])
    assert not any("attention" in rows[c]["classes"] for c in ORDER[4:])
    # each SOP step against its standard time; step 2 of pn_bdg (4000 s > 60 min) is marked, no other
    bdg = rows["pn_bdg"]["steps"]
    assert [s[0] for s in bdg] == list(range(1, 11))
    assert bdg[1][2] == "2. Pencadangan: 1:06:40 / baku 60 mnt \u25b2 melebihi waktu baku"
    assert "over" in bdg[1][1]
    assert bdg[0][2] == "1. Pengumuman paket: 1:00 / baku 5 mnt"
    assert bdg[7][2] == "8. Downgrade: dilewati"
    over = [(row["court"], s[0]) for row in doc.rows for s in row["steps"] if "over" in s[1]]
    assert over == [("pn_bdg", 2)]
    assert any("step-gagal" in s[1] and "(gagal)" in s[2] for s in rows["pn_bks"]["steps"])
    assert doc.summary == {"berhasil": "2", "didowngrade": "1", "dilewati": "1", "menunggu": "1", "gagal": "1",
                           "sudah": "1", "total": "7"}
    assert RUN_ID in raw and "Pengadilan Tinggi Bandung" in raw

    # CSV: UTF-8 with BOM and a header, one row per court in the same order, the same words
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    header, body = table[0], table[1:]
    assert header[:3] == ["Kode satker", "Pengadilan", "Host"]
    assert "Langkah 2 Pencadangan (detik; baku 60 menit)" in header
    assert len(body) == 7 and all(len(row) == len(header) for row in body)
    records = [dict(zip(header, row)) for row in body]
    assert [rec["Host"] for rec in records] == ORDER
    by = {rec["Host"]: rec for rec in records}
    assert by["pn_dpk"]["Keterangan status"] == "dilewati: sinkronisasi basi " + SCRIPT
    assert by["pn_smd"]["Keterangan status"] == "sudah versi 5.3.0"
    assert by["pn_bdg"]["Langkah melebihi waktu baku"] == "2"
    assert by["pn_bdg"]["Langkah 2 Pencadangan (detik; baku 60 menit)"] == "4000"
    assert by["pn_bdg"]["Langkah 8 Downgrade (detik; baku 30 menit)"] == ""
    assert by["pn_bdg"]["sha256 cadangan"] == ("097734" * 11)[:64]
    assert by["pn_crb"]["Versi sesudah"] == ""

    # JSON: {run, generated, language, summary, courts}
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert {"run", "generated", "language", "summary", "courts"} <= set(data)
    assert data["language"] == "id" and data["run"]["id"] == RUN_ID
    assert data["run"]["regions"] == ["Pengadilan Tinggi Bandung"]
    assert data["summary"] == dict(berhasil=2, didowngrade=1, dilewati=1, menunggu=1, gagal=1, sudah=1, total=7)
    assert [c["court"] for c in data["courts"]] == ORDER
    bdg_json = data["courts"][ORDER.index("pn_bdg")]
    assert bdg_json["status"] == "berhasil" and bdg_json["over_time_steps"] == [2]  # the newer fact, not the file
    assert bdg_json["steps"][1]["over_time"] is True and bdg_json["steps"][1]["standard_minutes"] == 60
    assert data["courts"][ORDER.index("pn_tsm")]["nama"] == "Pengadilan Negeri Tasikmalaya {{ 7 * 6 }}"
    assert "1 gagal" in stdout and str(html) in stdout


def test_report_in_english(region, collection, tmp_path):
    out = tmp_path / "report"
    r, stdout = run(region, collection, out, sipp_report_language="en", sipp_report_name="sipp-upgrade",
                    sipp_report_title="PT Bandung: SIPP 5.3.0 rollout")
    assert r.status == "successful", stdout
    html, csv_path, json_path = files_of(out, "sipp-upgrade")
    doc = parse_html(html)
    raw = html.read_text(encoding="utf-8")
    assert dict(doc.tags[0][1])["lang"] == "en"
    assert "<h1>PT Bandung: SIPP 5.3.0 rollout</h1>" in raw
    assert [row["court"] for row in doc.rows] == ORDER
    rows = {row["court"]: row["cells"]["status"] for row in doc.rows}
    assert rows["pn_dpk"] == "skipped: sinkronisasi basi " + SCRIPT
    assert rows["pn_smd"] == "already at version 5.3.0"
    assert rows["pn_bdg"] == "upgraded"
    assert rows["pn_bks"].startswith("downgraded")
    assert rows["pn_crb"].startswith("failed")
    assert rows["pn_bgr"].startswith("waiting for the high court's IT admin to assist")
    bdg = [row for row in doc.rows if row["court"] == "pn_bdg"][0]["steps"]
    assert bdg[1][2] == "2. Backup: 1:06:40 / std 60 min \u25b2 over the standard time"
    assert "SIPP Application Upgrade Report" not in raw
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:2] == ["Kode satker", "Court"] and "Step 2 Backup (seconds; standard 60 minutes)" in header
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["language"] == "en" and data["courts"][ORDER.index("pn_smd")]["status_text"] == \
        "already at version 5.3.0"


def test_report_mailed_with_three_attachments(region, collection, tmp_path):
    out = tmp_path / "laporan"
    with SmtpSink(auth=("laporan-sipp", PASSWORD)) as sink:
        r, stdout = run(region, collection, out, sipp_report_mail=True, sipp_report_smtp_host="127.0.0.1",
                        sipp_report_smtp_port=sink.port, sipp_report_smtp_username="laporan-sipp",
                        sipp_report_smtp_password=PASSWORD, sipp_report_mail_from="laporan-sipp@pt-bandung.go.id",
                        sipp_report_mail_to=["kasubbag.ptip@pt-bandung.go.id", "satgas.sipp@pt-bandung.go.id"])
    assert r.status == "successful", stdout
    assert len(sink.mails) == 1
    mail = sink.mails[0]
    assert mail.auth == ("laporan-sipp", PASSWORD)
    assert mail.rcpt_to == ["kasubbag.ptip@pt-bandung.go.id", "satgas.sipp@pt-bandung.go.id"]
    assert mail.mail_from == "laporan-sipp@pt-bandung.go.id"
    subject = mail.message["Subject"]
    assert subject.startswith("Laporan upgrade SIPP Pengadilan Tinggi Bandung %s: " % RUN_ID), subject
    assert "2 berhasil" in subject and "1 gagal" in subject
    attached = mail.attachments()
    name = "laporan-upgrade-sipp-" + RUN_ID
    assert sorted(attached) == sorted(name + ext for ext in (".csv", ".html", ".json"))
    for path in files_of(out, name):
        assert attached[path.name][1] == path.read_bytes()
    assert attached[name + ".html"][0] == "text/html" and attached[name + ".csv"][0] == "text/csv"
    body = mail.message.get_body(("plain",)).get_content()
    assert "Kasubbag Perencanaan, TI dan Pelaporan" in body
    assert "097762 Pengadilan Negeri Cirebon: gagal" in body and "Sumedang" not in body
    # the password: not in the mail, the report, the log or any event
    assert PASSWORD not in mail.data.decode("utf-8", "replace")
    for path in files_of(out, name):
        assert PASSWORD not in path.read_text(encoding="utf-8")
    assert PASSWORD not in stdout
    events = json.dumps([ev for ev in r.events])
    assert PASSWORD not in events and json.dumps(PASSWORD)[1:-1] not in events


def test_no_mail_unless_asked(region, collection, tmp_path):
    out = tmp_path / "laporan"
    with SmtpSink() as sink:
        r, stdout = run(region, collection, out, sipp_report_smtp_host="127.0.0.1", sipp_report_smtp_port=sink.port,
                        sipp_report_mail_from="laporan-sipp@pt-bandung.go.id",
                        sipp_report_mail_to=["kasubbag.ptip@pt-bandung.go.id"])
    assert r.status == "successful", stdout
    assert sink.mails == [] and sink.transcript == []
    assert all(p.exists() for p in files_of(out, "laporan-upgrade-sipp-" + RUN_ID))


def test_check_mode_writes_and_sends_nothing(region, collection, tmp_path):
    out = tmp_path / "laporan"
    with SmtpSink() as sink:
        r, stdout = run(region, collection, out, check=True, sipp_report_mail=True,
                        sipp_report_smtp_host="127.0.0.1", sipp_report_smtp_port=sink.port,
                        sipp_report_mail_from="laporan-sipp@pt-bandung.go.id",
                        sipp_report_mail_to=["kasubbag.ptip@pt-bandung.go.id"])
    assert r.status == "successful", stdout
    assert not out.exists()
    assert sink.mails == [] and sink.transcript == []


def test_mail_without_recipients_refused_before_writing(region, collection, tmp_path):
    out = tmp_path / "laporan"
    r, stdout = run(region, collection, out, sipp_report_mail=True, sipp_report_smtp_host="127.0.0.1")
    assert r.status == "failed"
    assert "sipp_report_mail_to" in stdout and not out.exists()


def test_no_results_is_a_clear_failure(collection, tmp_path):
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {
        "pn_x": {"ansible_connection": "local"}}}}))
    r = run_playbook(PLAYBOOK, tmp_path / "inventory.yml", extravars=dict(sipp_report_dir=str(tmp_path / "out")))
    stdout = r.stdout.read()
    assert r.status == "failed"
    assert "Tidak ada hasil pengadilan untuk dilaporkan" in stdout and not (tmp_path / "out").exists()


def test_report_under_ansible_core_216(region, collection, tmp_path):
    """The collection supports ansible-core 2.16: same report there, and a result file's {{ }} is still text."""
    playbook216 = BIN_216 / "ansible-playbook"
    assert playbook216.exists(), "make setup creates .venv-2.16"
    out = tmp_path / "laporan"
    env = dict(os.environ, **ansible_env())
    proc = subprocess.run([str(playbook216), "-i", str(region / "inventory.yml"), PLAYBOOK,
                           "-e", json.dumps(dict(sipp_report_dir=str(out),
                                                 sipp_report_results_dir=str(region / "hasil")))],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html, csv_path, json_path = files_of(out, "laporan-upgrade-sipp-" + RUN_ID)
    doc = parse_html(html)
    assert [row["court"] for row in doc.rows] == ORDER
    assert "script" not in [t for t, _ in doc.tags]
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["courts"][ORDER.index("pn_tsm")]["nama"] == "Pengadilan Negeri Tasikmalaya {{ 7 * 6 }}"
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 8


def test_html_prints_on_a4(region, collection, tmp_path):
    """Rendered to PDF by Debian's chromium when it is installed (it is not installed for the tests)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian's chromium is not installed: the HTML is not rendered to PDF")
    out = tmp_path / "laporan"
    r, stdout = run(region, collection, out)
    assert r.status == "successful", stdout
    html = files_of(out, "laporan-upgrade-sipp-" + RUN_ID)[0]
    pdf = tmp_path / "laporan.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--print-to-pdf=%s" % pdf,
                    "--no-pdf-header-footer", html.as_uri()], check=True, capture_output=True, timeout=120)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # A4 landscape: 842 x 595 points
    assert b"/MediaBox [0 0 841.91998 594.95996]" in data or b"842" in data
