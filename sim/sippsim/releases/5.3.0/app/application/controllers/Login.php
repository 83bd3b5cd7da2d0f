<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Login extends CI_Controller {

	public function index()
	{
		$this->load->model('Sys_config_model');
		$this->load->model('Perkara_model');
		$this->load->model('Pengguna_model');
		$data = array(
			'nama_pn' => $this->Sys_config_model->nama_pn(),
			'versi' => $this->Sys_config_model->app_version(),
			'ringkasan' => array_merge($this->Perkara_model->ringkasan_login(), $this->Pengguna_model->ringkasan_login()),
		);
		$this->load->view('templates/header', $data);
		$this->load->view('login/index', $data);
		$this->load->view('templates/footer', $data);
	}
}
