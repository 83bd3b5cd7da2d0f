"""The courts a simulated region is made of: real names, grouped under their high court.

Codes (kode satker, IDPN) are plausible, deterministic stand-ins, not the official ones.
"""
import hashlib
import random

# (group id, name, address, [(court id, city, case-number suffix)])
HIGH_COURTS = [
    ("pt_bandung", "Pengadilan Tinggi Bandung", "Jl. Cimuncang No. 21, Bandung", [
        ("pn_bandung", "Bandung", "Bdg"), ("pn_bekasi", "Bekasi", "Bks"), ("pn_bogor", "Bogor", "Bgr"),
        ("pn_depok", "Depok", "Dpk"), ("pn_cibinong", "Cibinong", "Cbi"), ("pn_cikarang", "Cikarang", "Ckr"),
        ("pn_karawang", "Karawang", "Kwg"), ("pn_purwakarta", "Purwakarta", "Pwk"), ("pn_subang", "Subang", "Sng"),
        ("pn_sumedang", "Sumedang", "Smd"), ("pn_garut", "Garut", "Grt"), ("pn_tasikmalaya", "Tasikmalaya", "Tsm"),
        ("pn_ciamis", "Ciamis", "Cms"), ("pn_banjar", "Banjar", "Bjr"), ("pn_kuningan", "Kuningan", "Kng"),
        ("pn_cirebon", "Cirebon", "Cbn"), ("pn_sumber", "Sumber", "Sbr"), ("pn_indramayu", "Indramayu", "Idm"),
        ("pn_majalengka", "Majalengka", "Mjl"), ("pn_sukabumi", "Sukabumi", "Skb"), ("pn_cibadak", "Cibadak", "Cbd"),
        ("pn_cianjur", "Cianjur", "Cjr"), ("pn_bale_bandung", "Bale Bandung", "Blb"),
    ]),
    ("pt_semarang", "Pengadilan Tinggi Semarang", "Jl. Pahlawan No. 14, Semarang", [
        ("pn_semarang", "Semarang", "Smg"), ("pn_surakarta", "Surakarta", "Skt"), ("pn_salatiga", "Salatiga", "Sla"),
        ("pn_kudus", "Kudus", "Kds"), ("pn_pati", "Pati", "Pti"), ("pn_jepara", "Jepara", "Jpa"),
        ("pn_magelang", "Magelang", "Mgg"), ("pn_purwokerto", "Purwokerto", "Pwt"), ("pn_tegal", "Tegal", "Tgl"),
        ("pn_pekalongan", "Pekalongan", "Pkl"), ("pn_klaten", "Klaten", "Kln"), ("pn_boyolali", "Boyolali", "Byl"),
    ]),
    ("pt_surabaya", "Pengadilan Tinggi Surabaya", "Jl. Sumatera No. 42, Surabaya", [
        ("pn_surabaya", "Surabaya", "Sby"), ("pn_sidoarjo", "Sidoarjo", "Sda"), ("pn_malang", "Malang", "Mlg"),
        ("pn_kediri", "Kediri", "Kdr"), ("pn_jember", "Jember", "Jmr"), ("pn_gresik", "Gresik", "Gsk"),
        ("pn_mojokerto", "Mojokerto", "Mjk"), ("pn_madiun", "Madiun", "Mad"), ("pn_banyuwangi", "Banyuwangi", "Byw"),
        ("pn_tuban", "Tuban", "Tbn"), ("pn_pasuruan", "Pasuruan", "Psr"), ("pn_blitar", "Blitar", "Blt"),
    ]),
]

# Folder names seen on real servers: discovered, never assumed.
APP_FOLDERS = ["SIPP", "SIPP", "SIPP", "SIPP311", "SIPP", "sipp", "SIPP5"]

# Characters that break naive quoting: quotes, dollar, backslash, space, hash, semicolon.
_NASTY = "'\"$\\ #;"
_PLAIN = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def max_courts():
    return sum(len(c) for _, _, _, c in HIGH_COURTS)


def _digest(*parts):
    return int(hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest(), 16)


def password(rng, nasty):
    chars = [rng.choice(_PLAIN) for _ in range(14)]
    if nasty:
        for ch in rng.sample(_NASTY, 4):
            chars.insert(rng.randrange(1, len(chars)), ch)
    return "".join(chars)


def pick_courts(n, seed, versions):
    """The first n courts of the catalogue, each with its deterministic particulars."""
    if n < 1 or n > max_courts():
        raise ValueError("courts must be between 1 and %d" % max_courts())
    rng = random.Random(seed)
    out = []
    for pt_id, pt_name, pt_addr, courts in HIGH_COURTS:
        for cid, city, suffix in courts:
            if len(out) == n:
                return out
            i = len(out)
            h = _digest(cid)
            out.append({
                "id": cid,
                "index": i,
                "group": pt_id,
                "nama": "Pengadilan Negeri %s" % city,
                "kota": city,
                "kode_pn": "PN %s" % suffix,
                "kode_satker": "%06d" % (400000 + h % 99999),
                "idpn": str(100 + h % 800),
                "alamat": "Jl. %s No. %d, %s" % (rng.choice(["Merdeka", "Pahlawan", "Diponegoro", "Sudirman",
                                                            "Ahmad Yani", "Veteran"]), rng.randint(1, 120), city),
                "nama_pt": pt_name,
                "alamat_pt": pt_addr,
                "jenis_pengadilan": "1",
                "zona_waktu": "WIB",
                "hostname": "sipp.pn-%s.go.id" % city.lower().replace(" ", ""),
                "app_folder": APP_FOLDERS[i % len(APP_FOLDERS)],
                # The first court starts on the oldest version, then the versions rotate.
                "version": versions[i % len(versions)],
                # Every third court, the second one included, has a password full of quoting traps.
                "db_password": password(rng, nasty=(i % 3 == 1)),
                "web_password": password(rng, nasty=(i % 3 == 2)),
                "encryption_key": "%032x" % (_digest(cid, seed) % (1 << 128)),
                "seed": _digest(cid, seed) % (1 << 31),
            })
    return out
