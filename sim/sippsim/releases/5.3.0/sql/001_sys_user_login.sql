-- SIPP 5.3.0: riwayat masuk pengguna.
CREATE TABLE sys_user_login (
  id BIGINT NOT NULL AUTO_INCREMENT,
  userid INT NOT NULL,
  username VARCHAR(30) NOT NULL,
  waktu_login DATETIME NOT NULL,
  ipaddress VARCHAR(45) DEFAULT NULL,
  user_agent VARCHAR(255) DEFAULT NULL,
  berhasil TINYINT(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (id),
  KEY idx_sys_user_login_user (userid, waktu_login)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;
