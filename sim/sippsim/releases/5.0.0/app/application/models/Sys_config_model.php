<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Sys_config_model extends CI_Model {

	const ID_NAMA_PN = 62;
	const ID_APP_VERSION = 80;

	public function get_value($id)
	{
		$row = $this->db->query('SELECT value FROM sys_config WHERE id = ?', array((int) $id))->row();
		return $row ? $row->value : '';
	}

	public function app_version()
	{
		return $this->get_value(self::ID_APP_VERSION);
	}

	public function nama_pn()
	{
		return $this->get_value(self::ID_NAMA_PN);
	}
}
