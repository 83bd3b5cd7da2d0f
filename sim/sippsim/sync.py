"""Synchronisation of a court to its public side, as SIPP does it: the court's own application (controller
`Sinkronisasi`, GET `index.php/sinkronisasi/jalankan`) rebuilds the local publication tables, copies them out over
the network with the court's own `web` credentials, then `CALL updateData()` stamps sys_sinkronisasi.

Simulated faults live in the court's application folder, `application/cache/sippsim_sync_fault` (`unreachable`:
nothing is copied and the stamp stays as it was; `partial`: only half of each table's rows are copied, and the stamp
moves), so a sync triggered any way (this module, Ansible, a browser) meets them.
"""
import json

import pymysql

from .court import PUBLIC_DB, WEB_USER, http_get

PUB_TABLES = ["dataumumweb", "jadwalsidangweb", "pihakweb", "perkaraputusanweb"]
FAULTS = ("unreachable", "partial")
SYNC_PATH = "index.php/sinkronisasi/jalankan"
FAULT_FILE = "application/cache/sippsim_sync_fault"
TIMEOUT = 900


class SyncFailed(RuntimeError):
    pass


def public_connect(court, timeout=5):
    g = court.web_group()
    return pymysql.connect(host=g["hostname"], port=g["port"], user=WEB_USER, password=court.info["web_password"],
                           database=PUBLIC_DB, charset="utf8mb4", autocommit=True, connect_timeout=timeout)


def _check_fault(fault):
    if fault and fault not in FAULTS:
        raise ValueError("unknown sync fault %r (one of %s)" % (fault, ", ".join(FAULTS)))


def write_fault(court, fault):
    """Write the court's fault file (`fault` one of FAULTS), or remove it (`fault` None)."""
    _check_fault(fault)
    path = court.app_dir / FAULT_FILE
    if fault:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fault + "\n")
    else:
        path.unlink(missing_ok=True)


def set_fault(court, fault):
    """The court's lasting sync fault (None clears it): kept in its record and in its fault file."""
    _check_fault(fault)
    court.info["sync_fault"] = fault or None
    write_fault(court, fault)


def sync(court, fault=None, timeout=TIMEOUT):
    """Run one synchronisation through the court's application. `fault` applies to this one sync only; without it
    the court's lasting fault (sippsim fault COURT --sync ...) applies. Returns {'stamp', 'counts': {table: [local,
    public]}, 'fault'}; raises SyncFailed when the application answers anything but 200 with ok true."""
    sticky = court.info.get("sync_fault")
    _check_fault(fault)
    fault = fault or sticky
    write_fault(court, fault)
    try:
        status, body = http_get(court.url + SYNC_PATH, timeout=timeout)
    finally:
        write_fault(court, sticky)
    try:
        answer = json.loads(body.encode("latin-1").decode("utf-8", "replace"))
    except ValueError:
        answer = None
    if status == 200 and isinstance(answer, dict) and answer.get("ok"):
        return {"stamp": answer["stamp"], "counts": answer["counts"], "fault": fault}
    if isinstance(answer, dict) and answer.get("error"):
        raise SyncFailed("%s (HTTP %s): %s" % (court.info["id"], status, answer["error"]))
    raise SyncFailed("%s: the sync of the application answered HTTP %s: %s"
                     % (court.info["id"], status or "nothing", body[:300].strip()))


def age(court, hours):
    """Move the public stamp back in time: a court whose last good sync was `hours` ago."""
    pub = public_connect(court)
    try:
        with pub.cursor() as cur:
            cur.execute("UPDATE sys_sinkronisasi SET time_stamp = NOW() - INTERVAL %s HOUR WHERE id = '1'",
                        (float(hours),))
            cur.execute("SELECT time_stamp FROM sys_sinkronisasi WHERE id = '1'")
            return cur.fetchone()[0].isoformat(sep=" ")
    finally:
        pub.close()


def stamp(court):
    pub = public_connect(court)
    try:
        with pub.cursor() as cur:
            cur.execute("SELECT time_stamp FROM sys_sinkronisasi WHERE id = '1'")
            row = cur.fetchone()
            return row[0].isoformat(sep=" ") if row and row[0] else None
    finally:
        pub.close()
