"""Synthetic, deterministic SIPP data for a simulated court (schema of 5.0.0).

`seed_sys_config` writes the configuration rows, `populate` fills the case tables and writes the uploaded documents
under the application folder; the same seed and court id always give the same rows and the same bytes (dates are
laid out backwards from `today`, so pass it too when two runs must match on different days).
`refresh_publication_sql` rebuilds the local publication tables (`*web`) and works on the schema of every version.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

# Cases per court. "tiny" is for the tests whose checks do not depend on data volume (a few hundred cases, a few
# dozen documents: far less to build, copy, dump and fingerprint); "small" for the demo, the simulator's own tests
# and the tests about data volume; "large" for the benchmarks.
SCALES = {"tiny": 300, "small": 3_000, "large": 200_000}
# One case in DOC_EVERY has its uploaded documents (petitum/dakwaan, putusan); the others have none (the columns are
# NULL, as for a case registered without an upload).
DOC_EVERY = {"tiny": 10, "small": 1, "large": 1}
BATCH = 2_000  # cases generated, inserted and written per round: memory stays flat at any scale
# Document sizes in bytes (min, max): "large" gives >= 1 GB in total (about 6.5 KB of documents per case).
DOC_SIZES = {
    "small": {"petitum": (1_024, 3_072), "putusan": (2_048, 4_096)},
    "large": {"petitum": (2_048, 4_096), "putusan": (3_072, 5_120)},
}
DOC_SIZES["tiny"] = DOC_SIZES["small"]  # fewer documents than "small", of the same sizes
YEARS_OF_HISTORY = 3  # cases are registered from 1 January, three years before `today`, until `today`

ALUR_PERKARA = [
    # id, kode (in nomor_perkara), nama, weight for a court of general jurisdiction (0: not generated)
    (1, "Pdt.G", "Perdata Gugatan", 18),
    (2, "Pdt.P", "Perdata Permohonan", 22),
    (8, "Pdt.G.S", "Perdata Gugatan Sederhana", 5),
    (111, "Pid.B", "Pidana Biasa", 30),
    (112, "Pid.S", "Pidana Singkat", 3),
    (113, "Pid.C", "Pidana Cepat", 15),
    (118, "Pid.Sus-Anak", "Pidana Anak", 4),
    (119, "Pid.Pra", "Praperadilan", 3),
    (15, "Pdt.G", "Perdata Agama Gugatan", 0),
    (16, "Pdt.P", "Perdata Agama Permohonan", 0),
    (17, "Pdt.G.S", "Perdata Agama Gugatan Sederhana", 0),
]
PERDATA = {1, 2, 8, 15, 16, 17}
JENIS_PERKARA = {
    1: ["Wanprestasi", "Perbuatan Melawan Hukum", "Perceraian", "Tanah", "Hak Kekayaan Intelektual"],
    2: ["Perubahan Nama", "Perwalian", "Pengangkatan Anak", "Akta Kelahiran", "Izin Menjual Harta Anak"],
    8: ["Wanprestasi (Gugatan Sederhana)", "Perbuatan Melawan Hukum (Gugatan Sederhana)"],
    111: ["Pencurian", "Penggelapan", "Penipuan", "Penganiayaan", "Perjudian", "Penadahan"],
    112: ["Pencurian Ringan", "Penganiayaan Ringan"],
    113: ["Tindak Pidana Ringan", "Pelanggaran Peraturan Daerah"],
    118: ["Pencurian (Anak)", "Penganiayaan (Anak)"],
    119: ["Sah atau Tidaknya Penangkapan", "Sah atau Tidaknya Penahanan", "Sah atau Tidaknya Penetapan Tersangka"],
    15: ["Cerai Gugat", "Cerai Talak"],
    16: ["Isbat Nikah", "Dispensasi Kawin"],
    17: ["Ekonomi Syariah (Gugatan Sederhana)"],
}
# days from registration to decision (min, max) and whether a panel (majelis) or a single judge sits
DURATION = {1: (60, 180), 2: (10, 40), 8: (14, 25), 111: (30, 120), 112: (7, 30), 113: (0, 3), 118: (10, 40),
            119: (5, 7)}
MAJELIS = {1, 111}
STATUS_PUTUSAN = [
    (1, "Dikabulkan", "P"), (2, "Ditolak", "P"), (3, "Tidak Dapat Diterima", "P"), (4, "Dikabulkan Sebagian", "P"),
    (5, "Dicabut", "P"), (6, "Perdamaian", "P"), (7, "Digugurkan", "P"),
    (20, "Pidana Penjara", "D"), (21, "Pidana Bersyarat", "D"), (22, "Pidana Denda", "D"), (23, "Bebas", "D"),
    (24, "Lepas dari Segala Tuntutan Hukum", "D"),
]
STATUS_BY_ALUR = {1: [1, 1, 2, 3, 4, 5, 6, 7], 2: [1, 1, 1, 1, 2, 5], 8: [1, 1, 2, 4, 6], 119: [1, 2, 2, 3],
                  111: [20] * 8 + [21, 23, 24], 112: [20, 20, 21, 22], 113: [22, 22, 22, 21], 118: [20, 21, 21]}
SYS_GROUPS = [(1, "Administrator"), (2, "Ketua Pengadilan"), (3, "Hakim"), (4, "Panitera"),
              (5, "Panitera Pengganti"), (6, "Jurusita"), (7, "Petugas Meja 1"), (8, "Kasir")]

NAMA_DEPAN = ["Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gunawan", "Hendra", "Indah", "Joko", "Kartika",
              "Lestari", "Muhammad", "Nurul", "Oki", "Putri", "Rahmat", "Sri", "Taufik", "Utami", "Wahyu", "Yanti",
              "Asep", "Dadang", "Euis", "Ujang", "Siti", "Rina", "Bambang", "Hadi", "Ahmad", "Yusuf", "Ratna", "Dian"]
NAMA_BELAKANG = ["Santoso", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Pratama", "Nugroho",
                 "Permana", "Suryadi", "Rahayu", "Lestari", "Gunawan", "Hermawan", "Sulistyo", "Firmansyah",
                 "Hakim", "Ramadhan", "Susanti", "Purnama", "Sutisna", "Rukmana", "Supriatna", "Maulana"]
JALAN = ["Jl. Merdeka", "Jl. Sudirman", "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Gatot Subroto", "Jl. Pahlawan",
         "Jl. Siliwangi", "Jl. Cihampelas", "Jl. Veteran", "Jl. Kartini", "Jl. Pemuda", "Jl. Melati", "Jl. Kenanga"]
PEKERJAAN = ["Wiraswasta", "Karyawan Swasta", "Pegawai Negeri Sipil", "Petani", "Buruh Harian Lepas", "Pedagang",
             "Ibu Rumah Tangga", "Pelajar/Mahasiswa", "Tidak Bekerja", "Sopir", "Guru"]
AGENDA = ["Pemeriksaan Identitas Para Pihak", "Mediasi", "Pembacaan Gugatan", "Jawaban", "Replik", "Duplik",
          "Pembuktian Surat", "Pemeriksaan Saksi", "Kesimpulan"]
AGENDA_PIDANA = ["Pembacaan Dakwaan", "Eksepsi", "Pemeriksaan Saksi", "Pemeriksaan Terdakwa", "Tuntutan",
                 "Pembelaan", "Replik", "Duplik"]
ALASAN_TUNDA = ["Pihak tidak hadir", "Saksi tidak hadir", "Majelis berhalangan", "Penuntut Umum belum siap"]

AUDIT_COLS = "diinput_oleh, diinput_tanggal, diperbaharui_oleh, diperbaharui_tanggal"


def _kota(court: dict) -> str:
    nama = court.get("nama", "Pengadilan Negeri")
    return nama.replace("Pengadilan Negeri", "").strip() or "Kota"


def _domain(court: dict) -> str:
    return court["id"].replace("_", "-") + ".go.id"


def seed_sys_config(conn, court: dict, version: str) -> None:
    """The sys_config rows of sipp-facts.md (plus a few other plausible ones) for `court` at `version`."""
    rows = [
        (1, "system", "OfflineMessage", "Situs ini sedang dalam perbaikan", 1),
        (2, "system", "AppName", "Sistem Informasi Penelusuran Perkara", 2),
        (3, "system", "AppShortName", "SIPP", 3),
        (6, "system", "SiteOffline", "0", 6),
        (10, "system", "SessionTimeout", "7200", 10),
        (11, "system", "MaxUploadSize", "10240", 11),
        (12, "system", "UploadPath", "resources/file/", 12),
        (61, "satker", "KodePN", court["kode_pn"], 61),
        (62, "satker", "NamaPN", court["nama"], 62),
        (63, "satker", "AlamatPN", court.get("alamat", ""), 63),
        (64, "satker", "TeleponPN", court.get("telepon", "(022) 0000000"), 64),
        (65, "satker", "EmailPN", "info@" + _domain(court), 65),
        (66, "satker", "WebsitePN", "https://www." + _domain(court), 66),
        (75, "satker", "ZonaWaktu", court.get("zona_waktu", "WIB"), 75),
        (76, "satker", "NamaPT", court.get("nama_pt", ""), 76),
        (77, "satker", "AlamatPT", court.get("alamat_pt", ""), 77),
        (80, "system", "app_version", version, 80),
        (81, "satker", "IDPN", str(court.get("idpn", "")), 81),
        (82, "satker", "kode_satker", str(court.get("kode_satker", "")), 82),
        (83, "satker", "jenis_pengadilan", str(court.get("jenis_pengadilan", 1)), 83),
        (90, "sinkronisasi", "SinkronisasiOtomatis", "1", 90),
        (91, "sinkronisasi", "SinkronisasiInterval", "240", 91),
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sys_config (id, category, name, value, ordering) VALUES (%s, %s, %s, %s, %s) "
            "ON DUPLICATE KEY UPDATE category = VALUES(category), name = VALUES(name), value = VALUES(value), "
            "ordering = VALUES(ordering)", rows)
    conn.commit()


# --- documents -------------------------------------------------------------------------------------------------

def fake_pdf(key: str, title: str, size: int) -> bytes:
    """A small PDF-looking file of exactly `size` bytes (or a little more for a long title), same bytes per key."""
    text = title.replace("\\", "").replace("(", "[").replace(")", "]")
    content = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET\n".encode("latin-1", "replace")
    head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
            b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n")
    tail = b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    fill = max(0, size - len(head) - len(content) - len(tail) - 40)
    body = content + hashlib.shake_128(key.encode()).digest(fill)
    return head + b"4 0 obj << /Length %d >> stream\n" % len(body) + body + tail


# --- generation ------------------------------------------------------------------------------------------------

class _Gen:
    """Generates one court's data in date order; rows are collected per batch and flushed by `populate`."""

    def __init__(self, court: dict, scale: str, seed: int, today: dt.date):
        self.court = court
        self.scale = scale
        self.seed = seed
        self.today = today
        self.rng = random.Random(f"sippsim:{seed}:{court['id']}")
        self.kode_pn = court["kode_pn"]
        self.kota = _kota(court)
        self.next_pihak = 1
        self.urut: dict[tuple[str, int], int] = {}
        self.alur = [a for a in ALUR_PERKARA if a[3]]
        self.jenis = {}  # alur id -> [(jenis id, nama)]
        jid = 1
        for alur_id, _kode, _nama, _w in ALUR_PERKARA:
            for nama in JENIS_PERKARA[alur_id]:
                self.jenis.setdefault(alur_id, []).append((jid, nama))
                jid += 1
        rng = self.rng
        self.hakim = [(i + 1, self.nama(), "19%02d%02d%02d 20%02d%02d 1 %03d" % (
            rng.randint(65, 85), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 15), rng.randint(1, 12), i))
            for i in range(rng.randint(9, 15))]
        self.panitera = [self.nama() for _ in range(rng.randint(6, 10))]
        self.jaksa = [self.nama() for _ in range(rng.randint(8, 14))]
        self.users: list[tuple] = []
        self.petugas: list[str] = []
        self.reset()

    def reset(self):
        self.rows = {t: [] for t in ("pihak", "perkara", "perkara_pihak1", "perkara_pihak2", "perkara_penetapan",
                                     "perkara_hakim_pn", "perkara_jadwal_sidang", "perkara_putusan",
                                     "perkara_biaya", "sys_audittrail")}
        self.docs: list[tuple[str, str, str, int]] = []  # (relative path, key, title, size)

    # names and small values
    def nama(self) -> str:
        return f"{self.rng.choice(NAMA_DEPAN)} {self.rng.choice(NAMA_BELAKANG)}"

    def alamat(self) -> str:
        rng = self.rng
        rt, rw = rng.randint(1, 12), rng.randint(1, 9)
        return f"{rng.choice(JALAN)} No. {rng.randint(1, 250)}, RT {rt:02d}/RW {rw:02d}, {self.kota}"

    def waktu(self, day: dt.date) -> dt.datetime:
        rng = self.rng
        return dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randint(0, 59), rng.randint(0, 59)))

    def audit(self, user: str, day: dt.date) -> tuple:
        """diinput_oleh, diinput_tanggal, diperbaharui_oleh, diperbaharui_tanggal for a row made on `day`."""
        when = self.waktu(day)
        return (user, when, user, when)

    def hari_kerja(self, day: dt.date) -> dt.date:
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day

    def reference_rows(self) -> dict[str, list[tuple]]:
        start = dt.datetime(self.today.year - YEARS_OF_HISTORY - 1, 12, 1, 9, 0, 0)
        audit = ("admin", start, "admin", start)
        users = [(1, "admin", 1, "Administrator SIPP")]
        for name, group in ([(n, 3) for _i, n, _nip in self.hakim] + [(n, 5) for n in self.panitera]
                            + [(self.nama(), g) for g in (2, 4, 6, 6, 7, 7, 7, 8)]):
            users.append((len(users) + 1, None, group, name))
        taken = set()
        for i, (uid, username, group, fullname) in enumerate(users):
            if username is None:
                base = fullname.split()[0].lower() + "." + fullname.split()[-1].lower()
                username = base if base not in taken else f"{base}{uid}"
            taken.add(username)
            users[i] = (uid, username, group, fullname)
        self.users = users
        self.petugas = [u[1] for u in users if u[2] == 7]
        self.panitera_user = [u[1] for u in users if u[2] in (4, 5)]
        return {
            "alur_perkara": [(a, k, n, "Y") + audit for a, k, n, _w in ALUR_PERKARA],
            "jenis_perkara": [(jid, a, f"{a}.{jid}", nama, "Y") + audit
                              for a, lst in self.jenis.items() for jid, nama in lst],
            "status_putusan": [s + audit for s in STATUS_PUTUSAN],
            "hakim_pn": [(i, nip, n, "Hakim", "Y") + audit for i, n, nip in self.hakim],
            "sys_groups": [(g, n, f"Grup {n}") + audit for g, n in SYS_GROUPS],
            "sys_users": [(uid, un, hashlib.sha1(f"{self.seed}:{un}".encode()).hexdigest(), fn,
                           f"{un}@{_domain(self.court)}", g, 0) + audit for uid, un, g, fn in users],
        }

    def registration_dates(self, n: int) -> list[dt.date]:
        start = dt.date(self.today.year - YEARS_OF_HISTORY, 1, 1)
        days = [start + dt.timedelta(days=i) for i in range((self.today - start).days + 1)]
        days = [d for d in days if d.weekday() < 5]
        return sorted(self.rng.choice(days) for _ in range(n))

    def pihak(self, perkara_id: int, side: int, urutan: int, nama: str, alamat: str, who: str, when) -> str:
        rng = self.rng
        pid = self.next_pihak
        self.next_pihak += 1
        lahir = dt.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        self.rows["pihak"].append((pid, 1, nama, self.kota, lahir, rng.choice("LP"), alamat, rng.choice(PEKERJAAN),
                                   who, when, who, when))
        self.rows[f"perkara_pihak{side}"].append((perkara_id, pid, urutan, nama, alamat, who, when, who, when))
        return nama

    def document(self, with_docs: bool, day: dt.date, perkara_id: int, folder: str, title: str) -> str | None:
        """The path of a case's uploaded document (its column's value), queued to be written; None when the case has
        no documents at this scale. The size is drawn either way: one random sequence whether or not a case has them."""
        size = self.rng.randint(*DOC_SIZES[self.scale]["putusan" if folder == "putusan" else "petitum"])
        if not with_docs:
            return None
        rel = f"resources/file/{folder}/{day.year}/{day.month:02d}/{perkara_id}_{folder}.pdf"
        self.docs.append((rel, f"{self.seed}:{self.court['id']}:{perkara_id}:{folder}", title, size))
        return rel

    def case(self, perkara_id: int, reg: dt.date) -> None:
        rng, rows, today = self.rng, self.rows, self.today
        alur_id, kode, _n, _w = rng.choices(self.alur, weights=[a[3] for a in self.alur])[0]
        jenis_id, jenis_nama = rng.choice(self.jenis[alur_id])
        key = (kode, reg.year)
        self.urut[key] = self.urut.get(key, 0) + 1
        nomor = f"{self.urut[key]}/{kode}/{reg.year}/{self.kode_pn}"
        petugas = rng.choice(self.petugas)
        t_reg = self.waktu(reg)

        # parties
        p1, p2 = [], []
        if alur_id in PERDATA or alur_id == 119:
            for u in range(rng.choice([1, 1, 1, 2])):
                p1.append(self.pihak(perkara_id, 1, u + 1, self.nama(), self.alamat(), petugas, t_reg))
            if alur_id == 119:
                p2.append(self.pihak(perkara_id, 2, 1, f"Kepala Kepolisian Resor {self.kota}",
                                     f"Jl. Bhayangkara No. 1, {self.kota}", petugas, t_reg))
            elif alur_id != 2:
                for u in range(rng.choice([1, 1, 2, 3])):
                    p2.append(self.pihak(perkara_id, 2, u + 1, self.nama(), self.alamat(), petugas, t_reg))
        else:
            if alur_id == 113:
                p1.append(self.pihak(perkara_id, 1, 1, f"Penyidik Kepolisian Resor {self.kota}",
                                     f"Jl. Bhayangkara No. 1, {self.kota}", petugas, t_reg))
            else:
                p1.append(self.pihak(perkara_id, 1, 1, f"{rng.choice(self.jaksa)}, S.H.",
                                     f"Kejaksaan Negeri {self.kota}", petugas, t_reg))
            for u in range(rng.choice([1, 1, 1, 2])):
                p2.append(self.pihak(perkara_id, 2, u + 1, self.nama(), self.alamat(), petugas, t_reg))

        # timeline: appointment of the judge(s), hearings, decision, minutation, finality
        lo, hi = DURATION[alur_id]
        same_day = alur_id == 113
        penetapan = reg if same_day else self.hari_kerja(reg + dt.timedelta(days=rng.randint(1, 3)))
        pertama = reg if same_day else self.hari_kerja(penetapan + dt.timedelta(days=rng.randint(3, 10)))
        putusan = self.hari_kerja(max(pertama, reg + dt.timedelta(days=rng.randint(lo, hi))))
        minutasi = putusan + dt.timedelta(days=rng.randint(0, 3) if same_day else rng.randint(1, 30))
        bht = None if rng.random() < 0.08 else putusan + dt.timedelta(days=rng.randint(14, 40) if alur_id in PERDATA
                                                                     else rng.randint(7, 14))
        has_penetapan = penetapan <= today
        has_putusan = putusan <= today
        has_minutasi = has_putusan and minutasi <= today
        has_bht = has_putusan and bht is not None and bht <= today

        if has_penetapan:
            tunggal = alur_id not in MAJELIS
            hakim = rng.sample(self.hakim, 1 if tunggal else 3)
            pp_nama = rng.choice(self.panitera)
            t_pen = self.waktu(penetapan)
            for urutan, (hid, hnama, _nip) in enumerate(hakim, 1):
                jabatan = 3 if tunggal else (1 if urutan == 1 else 2)
                rows["perkara_hakim_pn"].append((perkara_id, hid, hnama, jabatan, urutan, penetapan, "Y",
                                                 "admin", t_pen, "admin", t_pen))
            teks = (f"Hakim Tunggal: {hakim[0][1]}" if tunggal else
                    f"Ketua: {hakim[0][1]}, Anggota: {hakim[1][1]}, {hakim[2][1]}")
            rows["perkara_penetapan"].append((perkara_id, penetapan, penetapan if pertama <= today else None,
                                              pertama if pertama <= today + dt.timedelta(days=14) else None,
                                              teks, pp_nama, "admin", t_pen, "admin", t_pen))
            # hearings: weekly from the first one to the decision, scheduled up to two weeks ahead
            agenda = AGENDA if alur_id in PERDATA else AGENDA_PIDANA
            day, urutan = pertama, 1
            while day < putusan and day <= today + dt.timedelta(days=14):
                tunda = rng.random() < 0.2
                rows["perkara_jadwal_sidang"].append((
                    perkara_id, urutan, day, dt.time(rng.randint(9, 14), rng.choice((0, 30))), None,
                    agenda[min(urutan - 1, len(agenda) - 1)], f"Ruang Sidang {rng.randint(1, 5)}",
                    "Y" if tunda else "T", rng.choice(ALASAN_TUNDA) if tunda else None)
                    + self.audit(rng.choice(self.panitera_user), min(day, today)))
                urutan += 1
                day = self.hari_kerja(day + dt.timedelta(days=rng.choice((7, 7, 7, 14))))
            if putusan <= today + dt.timedelta(days=14):
                rows["perkara_jadwal_sidang"].append((
                    perkara_id, urutan, putusan, dt.time(rng.randint(9, 14), 0), None, "Pembacaan Putusan",
                    f"Ruang Sidang {rng.randint(1, 5)}", "T", None)
                    + self.audit(rng.choice(self.panitera_user), min(putusan, today)))

        # documents
        with_docs = perkara_id % DOC_EVERY[self.scale] == 0
        folder = "petitum" if alur_id in PERDATA or alur_id == 119 else "dakwaan"
        petitum_dok = self.document(with_docs, reg, perkara_id, folder, f"{folder.upper()} {nomor}")

        if has_putusan:
            status = rng.choice(STATUS_BY_ALUR[alur_id])
            dok = self.document(with_docs, putusan, perkara_id, "putusan", f"PUTUSAN Nomor {nomor}")
            panitera = rng.choice(self.panitera_user)
            t_put = self.waktu(putusan)
            last = max(d for d in (putusan, minutasi if has_minutasi else None, bht if has_bht else None) if d)
            t_last = self.waktu(last)
            rows["perkara_putusan"].append((perkara_id, putusan, status, "MENGADILI: ...", dok,
                                            minutasi if has_minutasi else None, bht if has_bht else None,
                                            panitera, t_put, panitera, t_last))
            rows["sys_audittrail"].append((t_put, f"192.168.1.{rng.randint(10, 250)}", panitera, "perkara_putusan",
                                           "INSERT", f"Input putusan perkara {nomor}"))

        if has_bht:
            tahap = (17, "Minutasi", 520, "Berkekuatan Hukum Tetap")
        elif has_minutasi:
            tahap = (17, "Minutasi", 500, "Minutasi")
        elif has_putusan:
            tahap = (15, "Putusan", 400, "Putusan Diucapkan")
        elif has_penetapan and pertama <= today:
            tahap = (12, "Persidangan", 300, "Persidangan")
        elif has_penetapan:
            tahap = (11, "Penetapan", 210, "Penetapan Hari Sidang")
        else:
            tahap = (10, "Pendaftaran", 100, "Pendaftaran Perkara")
        updated = self.waktu(min(today, max(d for d in (reg, penetapan if has_penetapan else None,
                                                          putusan if has_putusan else None,
                                                          minutasi if has_minutasi else None) if d)))
        rows["perkara"].append((perkara_id, alur_id, reg, jenis_id, f"{alur_id}.{jenis_id}", jenis_nama,
                                self.urut[key], nomor, ", ".join(p1), ", ".join(p2) or None, petitum_dok)
                               + tahap + (petugas, t_reg, petugas, updated))
        rows["sys_audittrail"].append((t_reg, f"192.168.1.{rng.randint(10, 250)}", petugas, "perkara", "INSERT",
                                       f"Pendaftaran perkara {nomor}"))

        # court fees of civil cases: advance paid in, costs charged out
        if alur_id in PERDATA or alur_id == 119:
            kasir = "kasir"
            panjar = rng.choice((500_000, 750_000, 1_000_000, 1_500_000, 2_500_000)) if alur_id != 2 else 300_000
            fees = [(reg, 1, "Panjar Biaya Perkara", panjar), (reg, -1, "Biaya Pendaftaran", 30_000),
                    (reg, -1, "Biaya Proses/ATK", 75_000), (reg, -1, "PNBP Panggilan Pertama", 10_000)]
            if has_putusan:
                fees += [(putusan, -1, "Redaksi", 10_000), (putusan, -1, "Meterai", 10_000)]
            for day, jenis, uraian, jumlah in fees:
                t = self.waktu(day)
                rows["perkara_biaya"].append((perkara_id, day, jenis, uraian, jumlah, kasir, t, kasir, t))


INSERTS = {
    "alur_perkara": f"INSERT INTO alur_perkara (id, kode, nama, aktif, {AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
    "jenis_perkara": f"INSERT INTO jenis_perkara (id, alur_perkara_id, kode, nama, aktif, {AUDIT_COLS}) "
                     "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "status_putusan": f"INSERT INTO status_putusan (id, nama, jenis, {AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s)",
    "hakim_pn": f"INSERT INTO hakim_pn (id, nip, nama, jabatan, aktif, {AUDIT_COLS}) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "sys_groups": f"INSERT INTO sys_groups (groupid, name, description, {AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s)",
    "sys_users": f"INSERT INTO sys_users (userid, username, password, fullname, email, groupid, block, {AUDIT_COLS}) "
                 "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "pihak": f"INSERT INTO pihak (id, jenis_pihak_id, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, alamat, "
             f"pekerjaan, {AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara": "INSERT INTO perkara (perkara_id, alur_perkara_id, tanggal_pendaftaran, jenis_perkara_id, "
               "jenis_perkara_kode, jenis_perkara_nama, nomor_urut_perkara, nomor_perkara, pihak1_text, pihak2_text, "
               "petitum_dok, tahapan_terakhir_id, tahapan_terakhir_text, proses_terakhir_id, proses_terakhir_text, "
               f"{AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_pihak1": f"INSERT INTO perkara_pihak1 (perkara_id, pihak_id, urutan, nama, alamat, {AUDIT_COLS}) "
                      "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_pihak2": f"INSERT INTO perkara_pihak2 (perkara_id, pihak_id, urutan, nama, alamat, {AUDIT_COLS}) "
                      "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_penetapan": "INSERT INTO perkara_penetapan (perkara_id, penetapan_majelis_hakim, penetapan_hari_sidang, "
                         f"sidang_pertama, majelis_hakim_text, panitera_pengganti_text, {AUDIT_COLS}) "
                         "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_hakim_pn": "INSERT INTO perkara_hakim_pn (perkara_id, hakim_id, hakim_nama, jabatan_hakim_id, urutan, "
                        f"tanggal_penetapan, aktif, {AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_jadwal_sidang": "INSERT INTO perkara_jadwal_sidang (perkara_id, urutan, tanggal_sidang, jam_sidang, "
                             f"sampai_jam, agenda, ruangan, ditunda, alasan_ditunda, {AUDIT_COLS}) "
                             "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_putusan": "INSERT INTO perkara_putusan (perkara_id, tanggal_putusan, status_putusan_id, amar_putusan, "
                       f"amar_putusan_dok, tanggal_minutasi, tanggal_bht, {AUDIT_COLS}) "
                       "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "perkara_biaya": "INSERT INTO perkara_biaya (perkara_id, tanggal_transaksi, jenis_transaksi, uraian, jumlah, "
                     f"{AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
    "sys_audittrail": "INSERT INTO sys_audittrail (datetime, ipaddress, username, tablename, action, description) "
                      "VALUES (%s,%s,%s,%s,%s,%s)",
}


def _insert(cur, table: str, rows: list[tuple], chunk: int = 1_000) -> None:
    # PyMySQL turns executemany of "INSERT ... VALUES (...)" into multi-row INSERT statements
    for i in range(0, len(rows), chunk):
        cur.executemany(INSERTS[table], rows[i:i + chunk])


def populate(conn, court: dict, scale: str, seed: int, app_dir: Path, today: dt.date | None = None) -> dict:
    """Fill the 5.0.0 schema (database already selected on `conn`) with one court's synthetic data and write its
    documents under app_dir/resources/file/. Returns {table: rows, ..., "documents": n, "document_bytes": n}.
    sys_config is not touched: call seed_sys_config first."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}")
    today = today or dt.date.today()
    app_dir = Path(app_dir)
    gen = _Gen(court, scale, seed, today)
    counts: dict[str, int] = {"documents": 0, "document_bytes": 0}
    dates = gen.registration_dates(SCALES[scale])
    with conn.cursor() as cur:
        for table, rows in gen.reference_rows().items():
            _insert(cur, table, rows)
            counts[table] = len(rows)
        conn.commit()
        for start in range(0, len(dates), BATCH):
            gen.reset()
            for offset, reg in enumerate(dates[start:start + BATCH]):
                gen.case(start + offset + 1, reg)
            for table, rows in gen.rows.items():
                _insert(cur, table, rows)
                counts[table] = counts.get(table, 0) + len(rows)
            conn.commit()
            for rel, key, title, size in gen.docs:
                target = app_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                data = fake_pdf(key, title, size)
                target.write_bytes(data)
                counts["documents"] += 1
                counts["document_bytes"] += len(data)
    return counts


# --- publication tables ----------------------------------------------------------------------------------------

def refresh_publication_sql() -> list[str]:
    """Statements that rebuild dataumumweb, pihakweb, perkaraputusanweb and jadwalsidangweb from the case tables.

    They run on the schema of every version (5.2.0 renamed perkara_jadwal_sidang.agenda to agenda_sidang: the
    column is looked up in information_schema and the statement prepared). Run them in order on one connection
    with the SIPP database selected, then commit. Names of parties in juvenile cases (alur 118) are not published."""
    hidden = "'Disamarkan'"
    return [
        "DELETE FROM dataumumweb",
        "INSERT INTO dataumumweb (perkara_id, nomor_perkara, tanggal_pendaftaran, alur_perkara_id, jenis_perkara_nama, "
        "pihak1_text, pihak2_text, tahapan_terakhir_text, proses_terakhir_text) "
        "SELECT perkara_id, nomor_perkara, tanggal_pendaftaran, alur_perkara_id, jenis_perkara_nama, pihak1_text, "
        f"IF(alur_perkara_id = 118, {hidden}, pihak2_text), tahapan_terakhir_text, proses_terakhir_text FROM perkara",
        "DELETE FROM pihakweb",
        "INSERT INTO pihakweb (id, perkara_id, pihak_ke, urutan, nama, alamat) "
        "SELECT x.id, x.perkara_id, 1, x.urutan, x.nama, x.alamat FROM perkara_pihak1 x",
        "INSERT INTO pihakweb (id, perkara_id, pihak_ke, urutan, nama, alamat) "
        f"SELECT x.id, x.perkara_id, 2, x.urutan, IF(p.alur_perkara_id = 118, {hidden}, x.nama), "
        f"IF(p.alur_perkara_id = 118, {hidden}, x.alamat) "
        "FROM perkara_pihak2 x JOIN perkara p ON p.perkara_id = x.perkara_id",
        "DELETE FROM perkaraputusanweb",
        "INSERT INTO perkaraputusanweb (perkara_id, nomor_perkara, tanggal_putusan, status_putusan_nama, "
        "tanggal_minutasi, tanggal_bht) "
        "SELECT pp.perkara_id, p.nomor_perkara, pp.tanggal_putusan, sp.nama, pp.tanggal_minutasi, pp.tanggal_bht "
        "FROM perkara_putusan pp JOIN perkara p ON p.perkara_id = pp.perkara_id "
        "LEFT JOIN status_putusan sp ON sp.id = pp.status_putusan_id WHERE pp.tanggal_putusan IS NOT NULL",
        "DELETE FROM jadwalsidangweb",
        "SET @sipp_agenda = (SELECT IF(COUNT(*) > 0, 'agenda_sidang', 'agenda') FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'perkara_jadwal_sidang' AND COLUMN_NAME = 'agenda_sidang')",
        "SET @sipp_sql = CONCAT('INSERT INTO jadwalsidangweb (id, perkara_id, nomor_perkara, tanggal_sidang, "
        "jam_sidang, agenda, ruangan, ditunda) SELECT j.id, j.perkara_id, p.nomor_perkara, j.tanggal_sidang, "
        "j.jam_sidang, j.', @sipp_agenda, ', j.ruangan, j.ditunda FROM perkara_jadwal_sidang j "
        "JOIN perkara p ON p.perkara_id = j.perkara_id')",
        "PREPARE sipp_stmt FROM @sipp_sql",
        "EXECUTE sipp_stmt",
        "DEALLOCATE PREPARE sipp_stmt",
    ]
