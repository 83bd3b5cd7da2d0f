-- SIPP 5.2.0: view dasbor dengan penanda e-Court dan tahun pendaftaran.
CREATE OR REPLACE VIEW v_perkara_dashboard AS
SELECT p.perkara_id, p.nomor_perkara, p.alur_perkara_id, p.jenis_perkara_id, p.jenis_perkara_nama,
       p.tanggal_pendaftaran, YEAR(p.tanggal_pendaftaran) AS tahun_pendaftaran, p.is_ecourt,
       pp.tanggal_putusan, pp.status_putusan_id, pp.tanggal_minutasi, pp.tanggal_bht
FROM perkara p
LEFT JOIN perkara_putusan pp ON pp.perkara_id = p.perkara_id;
UPDATE sys_config SET value='5.2.0' WHERE id=80;
