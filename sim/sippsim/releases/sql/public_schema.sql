-- SIPP web (sisi publik): tabel publikasi dan stempel sinkronisasi.
-- Load statement by statement; the procedure updateData() is in public_procedure.sql.

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

CREATE TABLE sys_sinkronisasi (
  id CHAR(1) NOT NULL,
  time_stamp TIMESTAMP NULL DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

INSERT INTO sys_sinkronisasi (id, time_stamp) VALUES ('1', NULL);
