-- SIPP 5.0.0: skema lengkap basis data (tanpa data).
-- Simulated schema for sippsim; latin1, InnoDB. Loaded by the mysql client or statement by statement.

CREATE TABLE sys_config (
  id INT NOT NULL,
  category VARCHAR(50) NOT NULL DEFAULT '',
  name VARCHAR(100) NOT NULL,
  value VARCHAR(255) DEFAULT NULL,
  ordering INT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY uk_sys_config_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE sys_groups (
  groupid INT NOT NULL,
  name VARCHAR(100) NOT NULL,
  description VARCHAR(255) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (groupid)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE sys_users (
  userid INT NOT NULL AUTO_INCREMENT,
  username VARCHAR(30) NOT NULL,
  password VARCHAR(64) NOT NULL,
  fullname VARCHAR(100) NOT NULL,
  email VARCHAR(100) DEFAULT NULL,
  groupid INT NOT NULL,
  block TINYINT(1) NOT NULL DEFAULT 0,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (userid),
  UNIQUE KEY uk_sys_users_username (username),
  KEY idx_sys_users_groupid (groupid)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE sys_audittrail (
  id BIGINT NOT NULL AUTO_INCREMENT,
  datetime DATETIME NOT NULL,
  ipaddress VARCHAR(45) DEFAULT NULL,
  username VARCHAR(30) DEFAULT NULL,
  tablename VARCHAR(64) DEFAULT NULL,
  action VARCHAR(20) DEFAULT NULL,
  description TEXT,
  PRIMARY KEY (id),
  KEY idx_sys_audittrail_datetime (datetime)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE alur_perkara (
  id INT NOT NULL,
  kode VARCHAR(20) NOT NULL,
  nama VARCHAR(100) NOT NULL,
  aktif CHAR(1) NOT NULL DEFAULT 'Y',
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE jenis_perkara (
  id INT NOT NULL,
  alur_perkara_id INT NOT NULL,
  kode VARCHAR(20) DEFAULT NULL,
  nama VARCHAR(150) NOT NULL,
  aktif CHAR(1) NOT NULL DEFAULT 'Y',
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_jenis_perkara_alur (alur_perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE status_putusan (
  id INT NOT NULL,
  nama VARCHAR(100) NOT NULL,
  jenis CHAR(1) NOT NULL DEFAULT 'P',
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE hakim_pn (
  id INT NOT NULL,
  nip VARCHAR(30) DEFAULT NULL,
  nama VARCHAR(100) NOT NULL,
  jabatan VARCHAR(50) DEFAULT NULL,
  aktif CHAR(1) NOT NULL DEFAULT 'Y',
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE pihak (
  id INT NOT NULL AUTO_INCREMENT,
  jenis_pihak_id TINYINT NOT NULL DEFAULT 1,
  nama VARCHAR(255) NOT NULL,
  tempat_lahir VARCHAR(100) DEFAULT NULL,
  tanggal_lahir DATE DEFAULT NULL,
  jenis_kelamin CHAR(1) DEFAULT NULL,
  alamat VARCHAR(255) DEFAULT NULL,
  pekerjaan VARCHAR(100) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara (
  perkara_id INT NOT NULL AUTO_INCREMENT,
  alur_perkara_id INT NOT NULL,
  tanggal_pendaftaran DATE NOT NULL,
  jenis_perkara_id INT NOT NULL,
  jenis_perkara_kode VARCHAR(20) DEFAULT NULL,
  jenis_perkara_nama VARCHAR(150) DEFAULT NULL,
  nomor_urut_perkara INT NOT NULL,
  nomor_perkara VARCHAR(100) NOT NULL,
  pihak1_text VARCHAR(500) DEFAULT NULL,
  pihak2_text VARCHAR(500) DEFAULT NULL,
  petitum_dok VARCHAR(255) DEFAULT NULL,
  tahapan_terakhir_id INT DEFAULT NULL,
  tahapan_terakhir_text VARCHAR(100) DEFAULT NULL,
  proses_terakhir_id INT DEFAULT NULL,
  proses_terakhir_text VARCHAR(100) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (perkara_id),
  UNIQUE KEY uk_perkara_nomor (nomor_perkara),
  KEY idx_perkara_tanggal (tanggal_pendaftaran),
  KEY idx_perkara_jenis (jenis_perkara_id),
  KEY idx_perkara_alur (alur_perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_pihak1 (
  id INT NOT NULL AUTO_INCREMENT,
  perkara_id INT NOT NULL,
  pihak_id INT NOT NULL,
  urutan INT NOT NULL DEFAULT 1,
  nama VARCHAR(255) NOT NULL,
  alamat VARCHAR(255) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_perkara_pihak1_perkara (perkara_id),
  KEY idx_perkara_pihak1_pihak (pihak_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_pihak2 (
  id INT NOT NULL AUTO_INCREMENT,
  perkara_id INT NOT NULL,
  pihak_id INT NOT NULL,
  urutan INT NOT NULL DEFAULT 1,
  nama VARCHAR(255) NOT NULL,
  alamat VARCHAR(255) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_perkara_pihak2_perkara (perkara_id),
  KEY idx_perkara_pihak2_pihak (pihak_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_penetapan (
  perkara_id INT NOT NULL,
  penetapan_majelis_hakim DATE DEFAULT NULL,
  penetapan_hari_sidang DATE DEFAULT NULL,
  sidang_pertama DATE DEFAULT NULL,
  majelis_hakim_text VARCHAR(500) DEFAULT NULL,
  panitera_pengganti_text VARCHAR(255) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_hakim_pn (
  id INT NOT NULL AUTO_INCREMENT,
  perkara_id INT NOT NULL,
  hakim_id INT NOT NULL,
  hakim_nama VARCHAR(100) DEFAULT NULL,
  jabatan_hakim_id TINYINT NOT NULL DEFAULT 2,
  urutan INT NOT NULL DEFAULT 1,
  tanggal_penetapan DATE DEFAULT NULL,
  aktif CHAR(1) NOT NULL DEFAULT 'Y',
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_perkara_hakim_pn_perkara (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_jadwal_sidang (
  id INT NOT NULL AUTO_INCREMENT,
  perkara_id INT NOT NULL,
  urutan INT NOT NULL DEFAULT 1,
  tanggal_sidang DATE NOT NULL,
  jam_sidang TIME DEFAULT NULL,
  sampai_jam TIME DEFAULT NULL,
  agenda TEXT,
  ruangan VARCHAR(100) DEFAULT NULL,
  ditunda CHAR(1) NOT NULL DEFAULT 'T',
  alasan_ditunda VARCHAR(255) DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_jadwal_sidang_perkara (perkara_id),
  KEY idx_jadwal_sidang_tanggal (tanggal_sidang)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_putusan (
  perkara_id INT NOT NULL,
  tanggal_putusan DATE DEFAULT NULL,
  status_putusan_id INT DEFAULT NULL,
  amar_putusan TEXT,
  amar_putusan_dok VARCHAR(255) DEFAULT NULL,
  tanggal_minutasi DATE DEFAULT NULL,
  tanggal_bht DATE DEFAULT NULL,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (perkara_id),
  KEY idx_perkara_putusan_tanggal (tanggal_putusan),
  KEY idx_perkara_putusan_minutasi (tanggal_minutasi)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkara_biaya (
  id INT NOT NULL AUTO_INCREMENT,
  perkara_id INT NOT NULL,
  tanggal_transaksi DATE NOT NULL,
  jenis_transaksi TINYINT NOT NULL DEFAULT 1,
  uraian VARCHAR(255) DEFAULT NULL,
  jumlah DECIMAL(14,2) NOT NULL DEFAULT 0,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_perkara_biaya_perkara (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

-- Tabel publikasi lokal (disalin ke SIPP web saat sinkronisasi). Same definitions as public_schema.sql.

CREATE TABLE dataumumweb (
  perkara_id INT NOT NULL,
  nomor_perkara VARCHAR(100) NOT NULL,
  tanggal_pendaftaran DATE DEFAULT NULL,
  alur_perkara_id INT DEFAULT NULL,
  jenis_perkara_nama VARCHAR(150) DEFAULT NULL,
  pihak1_text VARCHAR(500) DEFAULT NULL,
  pihak2_text VARCHAR(500) DEFAULT NULL,
  tahapan_terakhir_text VARCHAR(100) DEFAULT NULL,
  proses_terakhir_text VARCHAR(100) DEFAULT NULL,
  PRIMARY KEY (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE jadwalsidangweb (
  id INT NOT NULL,
  perkara_id INT NOT NULL,
  nomor_perkara VARCHAR(100) DEFAULT NULL,
  tanggal_sidang DATE DEFAULT NULL,
  jam_sidang TIME DEFAULT NULL,
  agenda TEXT,
  ruangan VARCHAR(100) DEFAULT NULL,
  ditunda CHAR(1) DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_jadwalsidangweb_perkara (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE pihakweb (
  id INT NOT NULL,
  perkara_id INT NOT NULL,
  pihak_ke TINYINT NOT NULL,
  urutan INT NOT NULL DEFAULT 1,
  nama VARCHAR(255) DEFAULT NULL,
  alamat VARCHAR(255) DEFAULT NULL,
  PRIMARY KEY (pihak_ke, id),
  KEY idx_pihakweb_perkara (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE perkaraputusanweb (
  perkara_id INT NOT NULL,
  nomor_perkara VARCHAR(100) DEFAULT NULL,
  tanggal_putusan DATE DEFAULT NULL,
  status_putusan_nama VARCHAR(100) DEFAULT NULL,
  tanggal_minutasi DATE DEFAULT NULL,
  tanggal_bht DATE DEFAULT NULL,
  PRIMARY KEY (perkara_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE OR REPLACE VIEW v_perkara_dashboard AS
SELECT p.perkara_id, p.nomor_perkara, p.alur_perkara_id, p.jenis_perkara_id, p.jenis_perkara_nama,
       p.tanggal_pendaftaran, pp.tanggal_putusan, pp.status_putusan_id, pp.tanggal_minutasi, pp.tanggal_bht
FROM perkara p
LEFT JOIN perkara_putusan pp ON pp.perkara_id = p.perkara_id;
