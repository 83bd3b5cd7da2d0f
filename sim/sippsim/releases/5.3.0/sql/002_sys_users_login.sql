-- SIPP 5.3.0: waktu masuk terakhir dan kewajiban ganti kata sandi.
ALTER TABLE sys_users ADD COLUMN last_login DATETIME DEFAULT NULL AFTER block;
ALTER TABLE sys_users ADD COLUMN wajib_ganti_password TINYINT(1) NOT NULL DEFAULT 0 AFTER last_login;
UPDATE sys_config SET value='5.3.0' WHERE id=80;
