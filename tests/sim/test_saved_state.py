"""A court put back as it was (the bench measures both sides from one state), and a court's kept template (a large
court starts in seconds): proved by the simulator's fingerprint."""
import shutil

from sipptest import short_state, start_region
from sippsim import fingerprint
from sippsim.court import Court
from sippsim.simregion import Region


def _tables(fp):
    return {k: v for k, v in fp.items() if k != "app_tree"}


def test_load_state_puts_database_files_and_records_back(tmp_path):
    region = start_region("sst", 1, "local", versions=["5.1.0"])
    try:
        court = region.courts()[0]
        before = fingerprint.fingerprint(court)
        court.save_state(tmp_path / "saved")
        region.save()
        conn = court.sipp_server().connect(court.db_name)
        with conn.cursor() as cur:
            cur.execute("DELETE FROM perkara_biaya LIMIT 5")
            cur.execute("UPDATE sys_config SET value = '5.2.0' WHERE id = 80")
        conn.close()
        (court.app_dir / "baru.php").write_text("<?php // added after the save\n")
        (court.app_dir / "index.php").unlink()
        for rel in ("var/backups/sipp/SIPP-x", "var/lib/pengadilan-sipp"):
            (court.root / rel).mkdir(parents=True, exist_ok=True)
        assert fingerprint.differences(before, fingerprint.fingerprint(court))

        court.load_state(tmp_path / "saved")
        region.save()
        assert fingerprint.differences(before, fingerprint.fingerprint(court)) == []
        assert not list((court.root / "var/backups").iterdir())
        assert not (court.root / "var/lib/pengadilan-sipp").exists() or \
            not list((court.root / "var/lib/pengadilan-sipp").iterdir())
        # the restarted server is the court's: down stops it
        assert region.running()
    finally:
        region.down()
        shutil.rmtree(str(region.dir), ignore_errors=True)


def test_a_kept_template_gives_the_same_court(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fps, tpl_dirs, infos, stamps = [], [], [], []
    for _ in range(2):
        region = Region(short_state("stp"))
        region.up(1, "local", scale="tiny", versions=["5.1.0"], today="2026-01-15", template=True,
                  log=lambda *_: None)
        try:
            court = region.courts()[0]
            fps.append(fingerprint.fingerprint(court))
            tpl_dirs.append(court.template_dir("tiny"))
            infos.append(dict(court.info, procs=[]))
            kept = tpl_dirs[-1] / ".complete"
            assert kept.exists()
            stamps.append(kept.stat().st_mtime_ns)
            counts = court.info["counts"]
            assert counts["perkara"] > 0 and counts["documents"] > 0
        finally:
            region.down()
            shutil.rmtree(str(region.dir), ignore_errors=True)
    # the second court was started from the template kept by the first (not built and kept again)
    assert tpl_dirs[0] == tpl_dirs[1] and stamps[0] == stamps[1]
    # the same database, row for row (the application folder differs: the new court's own ports in its settings)
    assert _tables(fps[0]) == _tables(fps[1])
    # another date, seed or version is another court: its own template
    for change in ({"today": "2026-01-16"}, {"seed": 2}, {"version": "5.2.0"}):
        other = Court(tmp_path, dict(infos[0], **change), "local")
        assert other.template_dir("tiny") != tpl_dirs[0], change
