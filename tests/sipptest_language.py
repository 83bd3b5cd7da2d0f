"""What a run of the collection said to people, and the words in it of the language not asked for.

What is read: the messages of the collection's own modules and of the tasks that speak (fail, assert, debug), with
their warnings; every text of each court's result (its reason, its steps' outputs); the reports a run wrote (HTML as
a browser shows it, CSV cells, JSON texts) and the mails it sent. What is not a word of either language and is taken
out first:
- names: the courts' names and inventory names, the names the SOP gives to offices and documents (SIPP_NAMES),
  paths, variables, files, commands and options (any token holding a digit or one of _ / . : = @ < > -), and text in
  quotes ('...', "...": a task's name, a value);
- codes that a machine reads (the JSON's statuses, problems and jobs);
- what a tool, a server, SIPP or Ansible itself said, quoted whole in a message: the system's error texts
  (os.strerror), MariaDB's, and the text of every result of a module that is not ours (e.g. a ping to a court that
  cannot be reached, the answer of SIPP's sync page).
Each language is told by its function words and by the words of the collection's own messages that the other
language never uses."""
import csv
import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

OURS = ("pengadilan.sipp.", "ansible.builtin.fail", "ansible.builtin.assert", "ansible.builtin.debug")
RESULT_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_item_on_ok", "runner_item_on_failed")
OTHER_EVENTS = RESULT_EVENTS + ("runner_on_unreachable",)

# words that tell a language (lower case); each list holds no word the other language uses
WORDS = {
    "id": {"tidak", "dan", "yang", "dengan", "untuk", "sudah", "belum", "dari", "ini", "itu", "ada", "atau", "lalu",
           "jalankan", "periksa", "gagal", "berhasil", "sedang", "akan", "dapat", "oleh", "pada", "ke", "di",
           "tunggu", "baca", "diubah", "ditulis", "dilewati", "menunggu", "langkah", "paket", "laporan",
           "sinkronisasi", "cadangan", "terjangkau", "dihubungi", "tiap", "setelah", "sebelum", "masih", "karena",
           "bila", "jika", "agar", "harus", "perlu", "pengadilan", "versi", "tanpa", "semua", "alasan", "dicadangkan",
           "dijalankan", "diperiksa", "pemantauan", "sehat", "terakhir", "ruang", "berjalan", "selesai", "hasil",
           "keterangan", "umur", "baris", "sama", "berbeda", "mnt", "jam", "hari", "detik", "menit", "tujuan"},
    "en": {"the", "and", "of", "to", "is", "are", "was", "were", "be", "been", "has", "have", "with", "could",
           "cannot", "not", "nothing", "this", "that", "these", "those", "for", "from", "then", "when", "which",
           "its", "their", "there", "after", "before", "would", "will", "should", "must", "already", "again",
           "failed", "succeeded", "changed", "court", "courts", "backup", "backups", "step", "steps", "package",
           "packages", "report", "reason", "version", "while", "until", "each", "every", "read", "written", "found",
           "waiting", "skipped", "downgraded", "unreachable", "stale", "healthy", "free", "space", "rows",
           "age", "note", "minutes", "hours", "days", "seconds", "ago", "last", "next", "what", "do", "done"},
}
# words both languages use for the same thing (loanwords of the SOP and of IT work), never counted
SHARED = {"sipp", "upgrade", "downgrade", "mandiri", "online", "offline", "ok", "host", "status", "database", "db",
          "controller", "server", "run", "job", "awx", "ssh", "mariadb", "mysql", "php", "sql", "json", "csv",
          "html", "check", "satker", "kode", "error", "disk"}
# the names the courts and the SOP give to people, offices and documents: the same in both languages
SIPP_NAMES = ("Kasubbag Perencanaan, TI dan Pelaporan", "Monitoring Sinkronisasi dan Back Up SIPP",
              "Up-Grade Aplikasi SIPP", "Mutu Baku", "Admin TI PT", "Pengadilan Tinggi", "Pengadilan Negeri")
# MariaDB's own texts and Ansible's connection errors, quoted whole by a message
TOOL_TEXTS = [re.compile(p) for p in (
    r"Can't connect to [^()]*(\([^)]*\))?( \(\d+\))?",
    r"Lost connection to [^()]*(\(\d+\))?",
    r"Access denied for user [^ ]+( \(using password: \w+\))?",
    r"Failed to connect to the host via ssh[^\n]*",
    r"(Task|Action) failed: ",
    r"Connection refused",
)]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _result_texts(result):
    """The texts of a court's result (sipp_result): its reason, its steps' outputs and names, and any other text;
    its codes (statuses, problems, versions, times) are not words."""
    codes = {"status", "problem", "court", "nama", "kode_satker", "pengadilan_tinggi", "run_id", "started",
             "finished", "version_before", "version_after", "version_target", "backup", "backup_name", "mode",
             "controller", "problems", "job", "kind", "language"}
    if isinstance(result, dict):
        for key, value in result.items():
            if key not in codes:
                yield from _result_texts(value)
    elif isinstance(result, list):
        for value in result:
            yield from _result_texts(value)
    elif isinstance(result, str):
        yield result


def _results(runner):
    """(where, action, event, res) of every task result of the run."""
    for ev in runner.events:
        if ev["event"] in OTHER_EVENTS:
            data = ev.get("event_data", {})
            action = data.get("resolved_action") or data.get("task_action") or ""
            yield "%s: %s" % (data.get("host"), data.get("task")), action, ev["event"], data.get("res") or {}


def run_texts(runner):
    """[(where, text)] of everything the run said to people (see the module's docstring)."""
    out = []
    for where, action, event, res in _results(runner):
        if event == "runner_on_unreachable":
            continue
        # an assert that holds says Ansible's own "All assertions passed" (not shown in the log)
        if action.startswith(OURS) and not (action.endswith(".assert") and event.endswith("_ok")):
            for text in _strings([res.get("msg"), res.get("warnings")]):
                out.append((where, text))
        facts = res.get("ansible_facts") or {}
        if "sipp_result" in facts:
            out.extend((where + " (sipp_result)", t) for t in _result_texts(facts["sipp_result"]))
    return [(w, t) for w, t in out if t]


def tool_texts(runner):
    """What others said in the run: the results of modules not ours and of courts that cannot be reached (their
    message, stderr, and what a web page answered: SIPP's own words, e.g. its sync page's error)."""
    return [t for dummy, action, event, res in _results(runner)
            if event == "runner_on_unreachable" or not action.startswith(OURS)
            for t in _strings([res.get("msg"), res.get("stderr"), res.get("module_stderr"), res.get("json")]) if t]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def report_texts(folder):
    """[(where, text)] of every report in folder: HTML as shown, CSV cells but its codes, JSON texts but codes."""
    out = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix == ".html":
            parser = _Text()
            parser.feed(path.read_text())
            out.extend((path.name, t) for t in parser.parts)
        elif path.suffix == ".csv":
            raw = path.read_text(encoding="utf-8-sig")
            dialect = csv.Sniffer().sniff(raw.splitlines()[0], delimiters=",;")
            rows = list(csv.reader(raw.splitlines(), dialect))
            codes = {i for i, h in enumerate(rows[0]) if h in ("status", "court", "nama", "kode_satker")}
            out.extend((path.name, cell) for row in rows for i, cell in enumerate(row) if i not in codes)
        elif path.suffix == ".json":
            data = json.loads(path.read_text())
            out.extend((path.name, t) for t in _result_texts(data))
    return [(w, t) for w, t in out if t]


def _plain(text, names, tools):
    """text without what is not a word of either language (the module's docstring)."""
    text = html.unescape(text)
    for tool in sorted(set(tools), key=len, reverse=True):
        if len(tool) > 3:
            text = text.replace(tool.strip(), " ")
    for pattern in TOOL_TEXTS:
        text = pattern.sub(" ", text)
    for number in range(1, 134):
        text = text.replace(os.strerror(number), " ")
    for name in sorted(set(names) | set(SIPP_NAMES), key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`", " ", text)
    return " ".join(t for t in re.split(r"[\s,;()\[\]{}!?]+", text)
                    if t and not re.search(r"[0-9_/.:=@<>\-+%#*|\\]", t.rstrip(".:")) and not t.isupper())


def foreign_words(texts, language, names=(), tools=()):
    """["where: word in: text"] for every word of the language not asked for in texts ([(where, text)])."""
    other = WORDS["en" if language == "id" else "id"] - SHARED
    found = []
    for where, text in texts:
        words = {w.strip(".:").lower() for w in _plain(text, names, tools).split()}
        hits = sorted(words & other)
        if hits:
            found.append("%s: %s in: %s" % (where, ", ".join(hits), text[:300]))
    return found
