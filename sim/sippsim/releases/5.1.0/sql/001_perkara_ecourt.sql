-- SIPP 5.1.0: data pendaftaran e-Court per perkara.
CREATE TABLE perkara_ecourt (
  perkara_id INT NOT NULL,
  nomor_register_ecourt VARCHAR(50) NOT NULL,
  tanggal_pendaftaran_ecourt DATETIME DEFAULT NULL,
  email_pengguna VARCHAR(100) DEFAULT NULL,
  status_pembayaran TINYINT NOT NULL DEFAULT 0,
  diinput_oleh VARCHAR(30) DEFAULT NULL,
  diinput_tanggal DATETIME DEFAULT NULL,
  diperbaharui_oleh VARCHAR(30) DEFAULT NULL,
  diperbaharui_tanggal DATETIME DEFAULT NULL,
  PRIMARY KEY (perkara_id),
  UNIQUE KEY uk_perkara_ecourt_register (nomor_register_ecourt)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;
