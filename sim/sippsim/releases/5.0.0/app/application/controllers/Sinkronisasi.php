<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
 * Sinkronisasi ke SIPP publik (SIPP web): GET /<Folder>/index.php/sinkronisasi/jalankan
 *   200 {"ok": true, "stamp": "YYYY-MM-DD HH:MM:SS", "counts": {"<table>": [local, public], ...}}
 *   502 {"ok": false, "error": "..."}   (never a password)
 * Runs while SIPP is in maintenance (SiteOffline = 1) too: synchronisation is not a user page.
 *
 * Simulator only (sippsim): application/cache/sippsim_sync_fault holding 'unreachable' makes the public side
 * unreachable (nothing copied, the stamp stays as it was); 'partial' copies only half of each table's rows (and
 * still stamps).
 */

class Sinkronisasi extends CI_Controller {

	const FAULT_FILE = 'cache/sippsim_sync_fault';

	public function jalankan()
	{
		@set_time_limit(0);
		ignore_user_abort(TRUE);
		$this->load->model('Sinkronisasi_model');
		$model = $this->Sinkronisasi_model;
		try
		{
			$fault = $this->_fault();
			$model->bangun_lokal();
			if ($fault === 'unreachable')
			{
				throw new Sinkronisasi_error('basis data SIPP publik tidak dapat dihubungi (gangguan jaringan '
					. 'disimulasikan): tidak ada yang disalin, stempel sinkronisasi tidak berubah');
			}
			$pub = $model->hubungkan_publik('web');
			try
			{
				$out = $model->salin($pub, $fault === 'partial' ? 0.5 : 1.0);
			}
			finally
			{
				$pub->close();
			}
			$this->_jawab(200, array('ok' => TRUE, 'stamp' => $out['stamp'], 'counts' => $out['counts']));
		}
		catch (Sinkronisasi_error $e)
		{
			$this->_jawab(502, array('ok' => FALSE, 'error' => 'Sinkronisasi gagal: ' . $model->_bersih($e->getMessage())));
		}
	}

	private function _fault()
	{
		$file = APPPATH . self::FAULT_FILE;
		if ( ! is_file($file))
		{
			return NULL;
		}
		$fault = trim((string) @file_get_contents($file));
		return in_array($fault, array('unreachable', 'partial'), TRUE) ? $fault : NULL;
	}

	private function _jawab($code, $data)
	{
		set_status_header($code);
		header('Content-Type: application/json; charset=utf-8');
		header('Cache-Control: no-store');
		echo json_encode($data, JSON_INVALID_UTF8_SUBSTITUTE | JSON_UNESCAPED_SLASHES);
	}
}
