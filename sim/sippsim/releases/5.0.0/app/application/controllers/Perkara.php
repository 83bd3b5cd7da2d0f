<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class Perkara extends CI_Controller {

	public function index()
	{
		$this->load->model('Sys_config_model');
		$this->load->model('Perkara_model');
		$data = array(
			'nama_pn' => $this->Sys_config_model->nama_pn(),
			'versi' => $this->Sys_config_model->app_version(),
			'perkara' => $this->Perkara_model->terbaru(20),
		);
		$this->load->view('templates/header', $data);
		$this->load->view('perkara/index', $data);
		$this->load->view('templates/footer', $data);
	}

	/* JSON LIPA 1 for ?tahun=Y&bulan=M (default: this month). */
	public function lipa1()
	{
		$tahun = isset($_GET['tahun']) && ctype_digit($_GET['tahun']) ? (int) $_GET['tahun'] : (int) date('Y');
		$bulan = isset($_GET['bulan']) && ctype_digit($_GET['bulan']) ? (int) $_GET['bulan'] : (int) date('n');
		if ($bulan < 1 || $bulan > 12)
		{
			show_error('An Error Was Encountered', 'Bulan tidak valid.', 'error_general', 400);
		}
		$this->load->model('Laporan_model');
		$this->json($this->Laporan_model->lipa1($tahun, $bulan));
	}
}
