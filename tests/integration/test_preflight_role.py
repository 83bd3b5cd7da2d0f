"""The preflight role (SOP steps 1 and 4) through ansible-runner against real simulated courts on mixed versions."""
import hashlib
import re
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


# --- the copy to the court: once, resumable, proved by sha256 --------------------------------------------------------
COPY = "Kirim paket yang belum ada atau berbeda ke pengadilan (rsync, dilanjutkan bila terputus)"
PARTIAL = ".rsync-partial"
MANDIRI = [("5.2.0", "5.2.1")]
# how a task ended on a host (not its start or its background polls)
DONE = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped")


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_run(reg, packages, court, folder, steps=MANDIRI, **extra):
    """The role on one court, its packages in <court's backup folder>/<folder>; (runner, result, copy task's
    events of that court)."""
    host = court.info["id"]
    r = run_playbook(PLAYBOOK, reg.inventory_path, limit=host, extravars=dict({
        "sipp_preflight_packages": chain(packages, *steps), "sipp_preflight_fail": False,
        "sipp_preflight_poll_interval": 1, "sipp_preflight_package_dir": "/var/backups/sipp/" + folder
        if reg.mode == "ssh" else "{{ sipp_backup_dir }}/" + folder}, **extra))
    events = [ev for ev in r.events if ev.get("event_data", {}).get("task") == COPY
              and ev["event_data"].get("host") == host and ev["event"] in DONE]
    return r, task_results(r, SHOW).get(host, {}).get("sipp_preflight_result"), events


def stats(events):
    """rsync's --stats of the copy task in bytes: {'Literal data': n, 'Matched data': n, 'Total bytes sent': n, ...}."""
    found = re.findall(r"^([A-Za-z ]+): ([0-9,]+)(?: bytes)?$", events[-1]["event_data"]["res"]["stdout"], re.M)
    return {key: int(value.replace(",", "")) for key, value in found}


def interrupted_copy(folder, package):
    """What rsync keeps of a copy broken halfway: the first half of the package in the partial folder, no package.
    Returns the package's bytes."""
    data = package.read_bytes()
    (folder / PARTIAL).mkdir(parents=True)
    folder.chmod(0o700)
    (folder / PARTIAL / package.name).write_bytes(data[:len(data) // 2])
    return data


def resumed(events, size):
    """rsync matched what the partial copy held and sent less than the whole package."""
    sent = stats(events)
    return sent["Matched data"] > 0 and sent["Literal data"] < size and sent["Total bytes sent"] < size


def test_packages_are_copied_once_and_proved(region, packages):
    """(i) the first run sends the package and proves it; (ii) the second sends nothing: the copy task is skipped
    (changed=false) and the court's file is the same file, untouched."""
    court = region.courts()[1]                                   # 5.2.0
    name = release.package_name(*MANDIRI[0])
    folder = court.root / "var/backups/sipp/paket-sekali"
    r, res, events = copy_run(region, packages, court, "paket-sekali")
    assert r.status == "successful", r.stdout.read()
    assert res["status"] == "lanjut" and res["copied"] == [name]
    assert [ev["event"] for ev in events] == ["runner_on_ok"] and events[0]["event_data"]["res"]["changed"] is True
    copy = folder / name
    assert sha256(copy) == sha256(packages / name)
    assert oct(copy.stat().st_mode & 0o777) == "0o600" and copy.stat().st_uid == 0
    assert (folder / (name + ".sha256")).read_bytes() == (packages / (name + ".sha256")).read_bytes()
    assert not (folder / PARTIAL).exists()
    before = copy.stat()

    r, res, events = copy_run(region, packages, court, "paket-sekali")
    assert r.status == "successful", r.stdout.read()
    assert res["status"] == "lanjut" and res["copied"] == []
    assert events and all(ev["event"] == "runner_on_skipped" and not ev["event_data"].get("res", {}).get("changed")
                          for ev in events)
    after = copy.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_an_interrupted_copy_resumes_where_it_stopped(region, packages):
    """(iii) what an interrupted copy left in the partial folder (the first half of the package) is kept: the next
    run sends only the rest, and the result is the whole package."""
    court = region.courts()[1]
    name = release.package_name(*MANDIRI[0])
    folder = court.root / "var/backups/sipp/paket-lanjut"
    data = interrupted_copy(folder, packages / name)
    r, res, events = copy_run(region, packages, court, "paket-lanjut")
    assert r.status == "successful", r.stdout.read()
    assert res["copied"] == [name] and sha256(folder / name) == sha256(packages / name)
    # rsync matched the received half (whole blocks of it) and sent the rest
    assert resumed(events, len(data)), stats(events)
    assert not (folder / PARTIAL).exists()


def test_a_corrupt_copy_on_the_court_is_replaced_or_refused(region, packages):
    """(iv) a copy of the right size with wrong bytes is found by its sha256, sent again and proved; when it cannot
    be replaced (here rsync is told to keep files that exist), it is removed and the court stopped with the reason."""
    court = region.courts()[1]
    name = release.package_name(*MANDIRI[0])
    folder = court.root / "var/backups/sipp/paket-rusak-salin"
    data = (packages / name).read_bytes()
    folder.mkdir(parents=True, mode=0o700)
    (folder / name).write_bytes(data[::-1])
    r, res, events = copy_run(region, packages, court, "paket-rusak-salin")
    assert r.status == "successful", r.stdout.read()
    assert res["copied"] == [name] and events[0]["event_data"]["res"]["changed"] is True
    assert sha256(folder / name) == sha256(packages / name)

    (folder / name).write_bytes(data[::-1])
    r, res, _ = copy_run(region, packages, court, "paket-rusak-salin",
                         sipp_preflight_rsync_options=["--ignore-existing"])
    assert r.status == "failed" and res is None
    out = r.stdout.read()
    assert "tidak sama dengan paket yang diperiksa di controller" in out and "sudah dihapus" in out, out
    assert hashlib.sha256(data[::-1]).hexdigest() in out and sha256(packages / name) in out
    assert not (folder / name).exists()


def test_a_failed_copy_says_what_was_kept_and_what_to_do(region, packages):
    court = region.courts()[1]
    r, res, _ = copy_run(region, packages, court, "paket-gagal", sipp_preflight_language="en",
                         sipp_preflight_rsync_options=["--no-such-option"])
    assert r.status == "failed" and res is None
    out = r.stdout.read()
    assert "could not be sent to this court's server with rsync" in out and "no-such-option" in out, out
    assert "paket-gagal/" + PARTIAL in out and "run again" in out


@pytest.mark.ssh
def test_copy_over_ssh_resumes(region_ssh, packages):
    """Over the court's own SSH settings (key, options from the inventory): an interrupted copy resumes and the
    delta travels over the link. The folder this test makes on the session's court is removed afterwards."""
    court = [c for c in region_ssh.courts() if c.info["version"] == "5.1.0"][0]
    step = ("5.1.0", "5.2.0")
    name = release.package_name(*step)
    root = court.root / "var/backups/sipp"                       # the court's /var/backups/sipp, seen from the host
    root_existed = root.exists()
    folder = root / "paket-uji-preflight"
    try:
        data = interrupted_copy(folder, packages / name)
        r, res, events = copy_run(region_ssh, packages, court, folder.name, steps=[step],
                                  sipp_preflight_assisted_approved=True)
        assert r.status == "successful", r.stdout.read()[-3000:]
        assert res["status"] == "lanjut" and res["copied"] == [name]
        assert sha256(folder / name) == sha256(packages / name)
        assert resumed(events, len(data)), stats(events)
        assert oct((folder / name).stat().st_mode & 0o777) == "0o600" and not (folder / PARTIAL).exists()
    finally:
        shutil.rmtree(folder if root_existed else root, ignore_errors=True)
