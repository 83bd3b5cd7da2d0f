"""The preflight role (SOP steps 1 and 4) through ansible-runner against real simulated courts on mixed versions."""
import hashlib
import shutil

import pytest

from sippsim import release
from sipptest import REPO, run_playbook, start_region, task_results

PLAYBOOK = str(REPO / "tests/integration/playbooks/preflight.yml")
SHOW = "Tampilkan hasil"


@pytest.fixture(scope="module")
def region():
    # courts on 5.0.0, 5.2.0 and 5.3.0 (already the newest)
    reg = start_region("spp", 3, "local", versions=["5.0.0", "5.2.0", "5.3.0"])
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


def chain(packages, *steps):
    return [str(packages / release.package_name(a, b)) for a, b in steps]


ALL = [("5.0.0", "5.1.0"), ("5.1.0", "5.2.0"), ("5.2.0", "5.2.1"), ("5.2.1", "5.3.0")]


def results(region, packages, steps, **extra):
    pkg_dirs = {c.info["id"]: str(c.root / "var/backups/sipp/paket") for c in region.courts()}
    r = run_playbook(PLAYBOOK, region.inventory_path,
                     extravars=dict({"sipp_preflight_packages": chain(packages, *steps) if steps and isinstance(
                         steps[0], tuple) else steps, "sipp_preflight_fail": False}, **extra),
                     limit=None)
    out = {h: res.get("sipp_preflight_result") for h, res in task_results(r, SHOW).items()}
    return r, out, pkg_dirs


def test_assisted_courts_wait_without_approval(region, packages):
    r, out, _ = results(region, packages, ALL)
    assert r.status == "successful", r.stdout.read()
    ids = [c.info["id"] for c in region.courts()]
    assert out[ids[0]]["status"] == "menunggu" and "Admin TI PT" in out[ids[0]]["reason"]
    assert out[ids[1]]["status"] == "menunggu"
    assert out[ids[2]]["status"] == "sudah" and "5.3.0" in out[ids[2]]["reason"]
    # nothing was copied to a court that waits
    for court in region.courts():
        assert not (court.root / "var/backups/sipp/paket").exists()


def test_approved_courts_get_their_part_of_the_chain(region, packages):
    r, out, _ = results(region, packages, ALL, sipp_preflight_assisted_approved=True,
                        sipp_preflight_package_dir="{{ sipp_backup_dir }}/paket")
    assert r.status == "successful", r.stdout.read()
    c0, c1, c2 = region.courts()
    seg0 = [p["name"] for p in out[c0.info["id"]]["segment"]]
    seg1 = [p["name"] for p in out[c1.info["id"]]["segment"]]
    assert seg0 == [release.package_name(a, b) for a, b in ALL]
    assert seg1 == [release.package_name(a, b) for a, b in ALL[2:]]
    assert out[c0.info["id"]]["status"] == "lanjut" and out[c0.info["id"]]["requires_assistance"] is True
    # copied to the court, root only, byte for byte
    for court, seg in ((c0, seg0), (c1, seg1)):
        folder = court.root / "var/backups/sipp/paket"
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
        for name in seg:
            copy = folder / name
            assert oct(copy.stat().st_mode & 0o777) == "0o600"
            assert hashlib.sha256(copy.read_bytes()).hexdigest() == \
                hashlib.sha256((packages / name).read_bytes()).hexdigest()
    assert out[c2.info["id"]]["status"] == "sudah"


def test_mandiri_package_needs_no_approval_and_a_wrong_start_is_refused(region, packages):
    r, out, _ = results(region, packages, [("5.2.0", "5.2.1")],
                        sipp_preflight_package_dir="{{ sipp_backup_dir }}/paket-mandiri")
    assert r.status == "successful", r.stdout.read()
    c0, c1, _ = region.courts()
    assert out[c1.info["id"]]["status"] == "lanjut" and out[c1.info["id"]]["requires_assistance"] is False
    assert "mandiri" in out[c1.info["id"]]["reason"]
    bad = out[c0.info["id"]]
    assert bad["status"] == "ditolak" and "5.0.0" in bad["reason"] and "5.2.0" in bad["reason"]


def test_a_faulty_announced_package_stops_every_court_before_anything_changes(region, packages):
    bad = packages / "faulty" / "sipp-5.0.0-5.1.0-checksum_mismatch.zip"
    r, out, _ = results(region, packages, [str(bad)], sipp_preflight_assisted_approved=True,
                        sipp_preflight_package_dir="{{ sipp_backup_dir }}/paket-rusak")
    assert r.status == "failed"
    assert not out
    for court in region.courts():
        assert not (court.root / "var/backups/sipp/paket-rusak").exists()


def test_short_disk_is_refused(region, packages):
    r, out, _ = results(region, packages, ALL, sipp_preflight_assisted_approved=True,
                        sipp_preflight_space_margin_percent=10 ** 12,
                        sipp_preflight_package_dir="{{ sipp_backup_dir }}/paket-penuh")
    assert r.status == "successful", r.stdout.read()
    c0 = region.courts()[0]
    res = out[c0.info["id"]]
    assert res["status"] == "ditolak" and "tidak cukup" in res["reason"]
    assert not list((c0.root / "var/backups/sipp/paket-penuh").glob("*.zip"))
