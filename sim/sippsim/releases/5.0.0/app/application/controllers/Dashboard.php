<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Dashboard extends CI_Controller {

	public function index()
	{
		$this->load->model('Sys_config_model');
		$this->load->model('Laporan_model');
		$data = array(
			'nama_pn' => $this->Sys_config_model->nama_pn(),
			'versi' => $this->Sys_config_model->app_version(),
			'kinerja' => $this->Laporan_model->kinerja($this->_tahun()),
		);
		$this->load->view('templates/header', $data);
		$this->load->view('dashboard/index', $data);
		$this->load->view('templates/footer', $data);
	}

	/* JSON: {"tahun", "masuk", "sisa", "minutasi", "kinerja"} for ?tahun= (default: this year). */
	public function kinerja()
	{
		$this->load->model('Laporan_model');
		$this->json($this->Laporan_model->kinerja($this->_tahun()));
	}

	private function _tahun()
	{
		return isset($_GET['tahun']) && ctype_digit($_GET['tahun']) ? (int) $_GET['tahun'] : (int) date('Y');
	}
}
