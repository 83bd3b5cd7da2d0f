-- SIPP 5.2.0: agenda -> agenda_sidang, sidang elektronik (e-Litigasi).
ALTER TABLE perkara_jadwal_sidang CHANGE agenda agenda_sidang TEXT;
ALTER TABLE perkara_jadwal_sidang ADD COLUMN sidang_elektronik TINYINT(1) NOT NULL DEFAULT 0 AFTER ditunda;
