"""Synchronisation of a court to its public side, as SIPP does it: rebuild the local publication tables, copy them
out over the network with the court's own `web` credentials, then `CALL updateData()` stamps sys_sinkronisasi.
"""
import pymysql

from . import data
from .court import PUBLIC_DB, SIPP_DB, WEB_USER

PUB_TABLES = ["dataumumweb", "jadwalsidangweb", "pihakweb", "perkaraputusanweb"]
FAULTS = ("unreachable", "partial")


class SyncFailed(RuntimeError):
    pass


def public_connect(court, timeout=5):
    g = court.web_group()
    return pymysql.connect(host=g["hostname"], port=g["port"], user=WEB_USER, password=court.info["web_password"],
                           database=PUBLIC_DB, charset="utf8mb4", autocommit=True, connect_timeout=timeout)


def _columns(cur, table):
    cur.execute("SHOW COLUMNS FROM `%s`" % table)
    return [r[0] for r in cur.fetchall()]


def sync(court, fault=None):
    """Run one synchronisation. Returns {'stamp', 'counts': {table: [local, public]}}; raises SyncFailed."""
    fault = fault or court.info.get("sync_fault")
    if fault and fault not in FAULTS:
        raise ValueError("unknown sync fault %r (one of %s)" % (fault, ", ".join(FAULTS)))
    local = court.sipp_server().connect(SIPP_DB)
    try:
        with local.cursor() as cur:
            for stmt in data.refresh_publication_sql():
                cur.execute(stmt)
        if fault == "unreachable":
            raise SyncFailed("public side of %s unreachable: nothing copied, the stamp stays as it was"
                             % court.info["id"])
        pub = public_connect(court)
        counts = {}
        try:
            with local.cursor() as lc, pub.cursor() as pc:
                for table in PUB_TABLES:
                    cols = [c for c in _columns(lc, table) if c in set(_columns(pc, table))]
                    collist = ", ".join("`%s`" % c for c in cols)
                    lc.execute("SELECT %s FROM `%s`" % (collist, table))
                    rows = lc.fetchall()
                    if fault == "partial":
                        rows = rows[: len(rows) // 2]
                    pc.execute("DELETE FROM `%s`" % table)
                    sql = "INSERT INTO `%s` (%s) VALUES (%s)" % (table, collist, ", ".join(["%s"] * len(cols)))
                    for start in range(0, len(rows), 2000):
                        pc.executemany(sql, rows[start:start + 2000])
                    lc.execute("SELECT COUNT(*) FROM `%s`" % table)
                    pc.execute("SELECT COUNT(*) FROM `%s`" % table)
                    counts[table] = [lc.fetchone()[0], pc.fetchone()[0]]
                pc.execute("CALL updateData()")
                pc.execute("SELECT time_stamp FROM sys_sinkronisasi WHERE id = '1'")
                stamp = pc.fetchone()[0]
        finally:
            pub.close()
    finally:
        local.close()
    return {"stamp": stamp.isoformat(sep=" "), "counts": counts, "fault": fault}


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
