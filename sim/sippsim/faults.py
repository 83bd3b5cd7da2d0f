"""Faulty upgrade packages, each built from a good one with exactly one defect, for testing the upgrade tool.

`build_faulty(outdir)` writes `sipp-<from>-<to>-<breaks>.zip` (+ a correct `.sha256`) and `outdir/FAULTS.json`:
{file name: {"breaks": id, "description": ..., "base": good package name}}.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from . import release

SYMLINK_MODE = 0o120777


def _load(from_version: str, to_version: str) -> tuple[dict[str, bytes], dict]:
    entries = release.package_entries(from_version, to_version)
    return entries, json.loads(entries["manifest.json"])


def _reseal(entries: dict[str, bytes], manifest: dict) -> dict[str, bytes]:
    """Recompute every sha256 in the manifest from the entries, so the package stays consistent."""
    manifest["files"] = {name[4:]: release.sha256_bytes(data) for name, data in sorted(entries.items())
                         if name.startswith("app/")}
    manifest["migrations"] = [{"file": m["file"], "sha256": release.sha256_bytes(entries["sql/" + m["file"]])}
                              for m in manifest["migrations"]]
    entries["manifest.json"] = release.manifest_bytes(manifest)
    return entries


def _replace(entries: dict[str, bytes], name: str, old: bytes, new: bytes) -> None:
    if old not in entries[name]:
        raise RuntimeError(f"{name} no longer contains {old!r}: update faults.py")
    entries[name] = entries[name].replace(old, new, 1)


def migration_fails_halfway():
    entries, manifest = _load("5.1.0", "5.2.0")
    # a stale column name after the rename of 001: fails once perkara_jadwal_sidang and perkara_putusan changed
    entries["sql/002_putusan_elektronik.sql"] += (
        b"UPDATE perkara_jadwal_sidang SET agenda = TRIM(agenda) WHERE agenda LIKE ' %';\n")
    return entries, manifest, {}, (
        "sql/002_putusan_elektronik.sql fails on its last statement (unknown column 'agenda', renamed by 001) after "
        "001 renamed perkara_jadwal_sidang.agenda and 002 added perkara_putusan.tanggal_upload_putusan: two tables "
        "are changed, the view is not replaced and sys_config id 80 stays 5.1.0. DDL cannot be rolled back.")


def php_fatal():
    entries, manifest = _load("5.2.0", "5.2.1")
    _replace(entries, "app/application/views/templates/footer.php",
             b"Versi <?php echo html_escape($versi); ?>", b"Versi <?php echo sipp_format_versi($versi); ?>")
    return entries, manifest, {}, (
        "application/views/templates/footer.php calls sipp_format_versi(), a function no file defines: every page, "
        "the login page included, dies with 'PHP Fatal error: Uncaught Error: Call to undefined function' (HTTP 500). "
        "No migrations; the package itself is consistent.")


def version_not_bumped():
    entries, manifest = _load("5.0.0", "5.1.0")
    _replace(entries, "sql/002_perkara_is_ecourt.sql", b"UPDATE sys_config SET value='5.1.0' WHERE id=80;\n", b"")
    return entries, manifest, {}, (
        "The migrations run cleanly but the last one no longer ends with UPDATE sys_config ... id=80: the schema is "
        "5.1.0 while sys_config id 80 still says 5.0.0.")


def wrong_from_version():
    entries, manifest = _load("5.2.1", "5.3.0")
    manifest["from_version"] = "5.2.2"
    return entries, manifest, {}, (
        "manifest.json from_version is 5.2.2, a version no court runs (the chain is 5.0.0, 5.1.0, 5.2.0, 5.2.1, "
        "5.3.0): it must be refused before anything changes.")


def checksum_mismatch():
    entries, manifest = _load("5.0.0", "5.1.0")
    _reseal(entries, manifest)
    # changed after the manifest was sealed: the listed sha256 no longer matches
    entries["app/application/models/Perkara_model.php"] += b"\n/* patched on site */\n"
    return entries, None, {}, (
        "app/application/models/Perkara_model.php was changed after the manifest was written: its sha256 differs "
        "from manifest.json 'files' (the zip's own .sha256 is correct).")


def path_escape():
    entries, manifest = _load("5.2.0", "5.2.1")
    entries["app/../../../etc/cron.d/sipp-update"] = b"* * * * * root /bin/sh -c 'id > /tmp/sipp-pwned'\n"
    return entries, manifest, {}, (
        "Entry app/../../../etc/cron.d/sipp-update (listed in the manifest with its correct sha256) resolves outside "
        "the application folder (zip-slip); it must be refused before anything is extracted.")


def symlink_entry():
    entries, manifest = _load("5.2.0", "5.2.1")
    name = "app/resources/file/backup_db.sql"
    entries[name] = b"/etc/shadow"
    return entries, manifest, {name: SYMLINK_MODE}, (
        "Entry app/resources/file/backup_db.sql is a symbolic link to /etc/shadow (Unix mode 0120777 in the zip "
        "external_attr; listed in the manifest with the sha256 of its target text); symlinks must be refused.")


def view_replaced_then_fails():
    entries, manifest = _load("5.1.0", "5.2.0")
    _replace(entries, "sql/003_view_dashboard.sql", b"UPDATE sys_config SET value='5.2.0' WHERE id=80;\n",
             b"UPDATE perkara SET nomor_perkara_lama = nomor_perkara;\nUPDATE sys_config SET value='5.2.0' WHERE id=80;\n")
    return entries, manifest, {}, (
        "sql/003_view_dashboard.sql replaces v_perkara_dashboard (as the login user, so with its DEFINER) and then "
        "fails on a column that does not exist: the downgrade must bring the view back with its own DEFINER, or say "
        "it could not. Not in FAULTS (build it with build_one).")


SLOW_SECONDS = 60


def slow_migration():
    entries, manifest = _load("5.1.0", "5.2.0")
    last = manifest["migrations"][-1]["file"]
    entries["sql/" + last] = b"DO SLEEP(%d);\n" % SLOW_SECONDS + entries["sql/" + last]
    return entries, manifest, {}, (
        "A good package whose last migration (%s) first waits %d s (DO SLEEP), after the earlier ones changed the "
        "schema, as a migration of a big table takes long: for a run's lock that must stay alive while it runs, and "
        "a database that fails in the middle of the changes. Not in FAULTS (build it with build_one)."
        % (last, SLOW_SECONDS))


FAULTS = [migration_fails_halfway, php_fatal, version_not_bumped, wrong_from_version, checksum_mismatch,
          path_escape, symlink_entry]


def _truncated(outdir: Path) -> tuple[str, dict]:
    base = release.package_name("5.2.1", "5.3.0")
    with tempfile.TemporaryDirectory() as tmp:
        data = release.build_package("5.2.1", "5.3.0", tmp).read_bytes()
    path = outdir / release.package_name("5.2.1", "5.3.0", "truncated_archive")
    path.write_bytes(data[: len(data) * 6 // 10])
    release.write_sha256(path)
    return path.name, {
        "breaks": "truncated_archive",
        "description": "The zip is cut to 60% of its bytes (central directory missing); its .sha256 matches the "
                       "truncated bytes, so only the archive structure is wrong.",
        "base": base,
    }


def build_one(builder, outdir: Path | str) -> tuple[Path, dict]:
    """Write the faulty package of one builder (of FAULTS, or another such as view_replaced_then_fails) into
    outdir; return its path and its FAULTS.json entry."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    entries, manifest, modes, description = builder()
    if manifest is not None:
        _reseal(entries, manifest)
    sealed = json.loads(entries["manifest.json"])
    to_version = sealed["to_version"]
    path = outdir / release.package_name(sealed["from_version"], to_version, builder.__name__)
    release.write_package(path, entries, date_time=release.release_timestamp(to_version), modes=modes)
    base = release.package_name(release.release_info(to_version)["from_version"], to_version)
    return path, {"breaks": builder.__name__, "description": description, "base": base}


def build_faulty(outdir: Path | str) -> dict:
    """Write every faulty package into outdir and outdir/FAULTS.json; return the FAULTS.json mapping."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    faults = {}
    for builder in FAULTS:
        path, meta = build_one(builder, outdir)
        faults[path.name] = meta
    name, meta = _truncated(outdir)
    faults[name] = meta
    faults = dict(sorted(faults.items()))
    (outdir / "FAULTS.json").write_text(json.dumps(faults, indent=2) + "\n", encoding="utf-8")
    return faults
