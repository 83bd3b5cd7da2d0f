"""The reader of tests/integration/test_operator_language.py (tests/sipptest_language.py) finds the words of the
other language and leaves alone what is not a word of either: names, paths, codes, quotes and what a tool said."""
import os

from sipptest_language import foreign_words


def test_it_finds_indonesian_in_an_english_run_and_english_in_an_indonesian_one():
    mixed = [("a", "Cadangan selesai. Tidak ada yang diubah."), ("b", "The court pn_x cannot be reached.")]
    assert [f.split(":")[0] for f in foreign_words(mixed, "en")] == ["a"]
    assert [f.split(":")[0] for f in foreign_words(mixed, "id")] == ["b"]
    # a table of the other language's words is found too
    assert foreign_words([("t", "Host Status Sinkronisasi Umur Baris Keterangan")], "en")
    assert foreign_words([("t", "pn_bogor stale 1805 min differ")], "id")


def test_names_paths_codes_quotes_and_what_a_tool_said_are_no_words():
    text = ("Server pengadilan ini tidak dapat dihubungi (Failed to connect to the host via ssh: Connection refused). "
            "Tidak ada yang diubah. Periksa /var/backups/sipp dan sipp_backup_dir di Pengadilan Negeri Bekasi; galat: "
            "%s; langkah \"Take the dump\"; ERROR 2003: Can't connect to MySQL server on '127.0.0.1' (111)."
            % os.strerror(28))
    assert foreign_words([("x", text)], "id", names=["Pengadilan Negeri Bekasi"]) == []
    # what a module not ours said, as the run recorded it, is taken out whole
    said = "Task failed: the disk of this court is not mounted"
    assert foreign_words([("x", "Pencadangan gagal (%s)." % said)], "id", tools=[said]) == []
    assert foreign_words([("x", "Pencadangan gagal (%s)." % said)], "id")
