<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Perkara_model extends CI_Model {

	/* Figures shown on the login page: label => number. */
	public function ringkasan_login()
	{
		$tahun = (int) date('Y');
		$r = array();
		$r['Perkara tahun ini'] = (int) $this->db->query(
			'SELECT COUNT(*) AS n FROM v_perkara_dashboard WHERE tanggal_pendaftaran >= ?',
			array($tahun . '-01-01'))->row()->n;
		$r['Sidang hari ini'] = (int) $this->db->query(
			'SELECT COUNT(*) AS n FROM perkara_jadwal_sidang WHERE tanggal_sidang = ? AND agenda IS NOT NULL',
			array(date('Y-m-d')))->row()->n;
		return $r;
	}

	public function terbaru($limit = 20)
	{
		return $this->db->query(
			'SELECT p.perkara_id, p.nomor_perkara, p.tanggal_pendaftaran, p.jenis_perkara_nama, p.pihak1_text,
			        p.pihak2_text, p.tahapan_terakhir_text, p.proses_terakhir_text
			 FROM perkara p ORDER BY p.tanggal_pendaftaran DESC, p.perkara_id DESC LIMIT ' . (int) $limit)->result_array();
	}
}
