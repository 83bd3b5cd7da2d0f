<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Perkara_model extends CI_Model {

	/* Figures shown on the login page: label => number. */
	public function ringkasan_login()
	{
		$tahun = (int) date('Y');
		$r = array();
		$row = $this->db->query(
			'SELECT COUNT(*) AS n, SUM(is_ecourt) AS ecourt FROM v_perkara_dashboard WHERE tahun_pendaftaran = ?',
			array($tahun))->row();
		$r['Perkara tahun ini'] = (int) $row->n;
		$r['Perkara e-Court tahun ini'] = (int) $row->ecourt;
		$row = $this->db->query(
			'SELECT COUNT(*) AS n, SUM(sidang_elektronik) AS elektronik FROM perkara_jadwal_sidang
			 WHERE tanggal_sidang = ? AND agenda_sidang IS NOT NULL',
			array(date('Y-m-d')))->row();
		$r['Sidang hari ini'] = (int) $row->n;
		$r['Sidang elektronik hari ini'] = (int) $row->elektronik;
		return $r;
	}

	public function terbaru($limit = 20)
	{
		return $this->db->query(
			'SELECT p.perkara_id, p.nomor_perkara, p.tanggal_pendaftaran, p.jenis_perkara_nama, p.pihak1_text,
			        p.pihak2_text, p.tahapan_terakhir_text, p.proses_terakhir_text, p.is_ecourt
			 FROM perkara p ORDER BY p.tanggal_pendaftaran DESC, p.perkara_id DESC LIMIT ' . (int) $limit)->result_array();
	}
}
