<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Pengguna_model extends CI_Model {

	/* Figures about users shown on the login page: label => number. */
	public function ringkasan_login()
	{
		$sejak = date('Y-m-d H:i:s', strtotime('-30 days'));
		$r = array();
		$r['Pengguna aktif'] = (int) $this->db->query(
			'SELECT COUNT(*) AS n FROM sys_users WHERE block = 0', array())->row()->n;
		$r['Pengguna masuk 30 hari terakhir'] = (int) $this->db->query(
			'SELECT COUNT(DISTINCT u.userid) AS n FROM sys_users u
			 LEFT JOIN sys_user_login l ON l.userid = u.userid AND l.berhasil = 1 AND l.waktu_login >= ?
			 WHERE u.last_login >= ? OR l.id IS NOT NULL',
			array($sejak, $sejak))->row()->n;
		return $r;
	}
}
