-- SIPP 5.2.0: tanggal unggah putusan elektronik.
ALTER TABLE perkara_putusan ADD COLUMN tanggal_upload_putusan DATE DEFAULT NULL AFTER tanggal_bht;
