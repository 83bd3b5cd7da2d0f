-- SIPP 5.1.0: penanda perkara yang didaftarkan melalui e-Court.
ALTER TABLE perkara ADD COLUMN is_ecourt TINYINT(1) NOT NULL DEFAULT 0 AFTER alur_perkara_id;
UPDATE sys_config SET value='5.1.0' WHERE id=80;
