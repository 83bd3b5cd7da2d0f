<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
 * Reports a court already trusts: the dashboard "kinerja" and LIPA 1 (Laporan Keadaan Perkara).
 */
class Laporan_model extends CI_Model {

	/* masuk: registered in $tahun; sisa: registered earlier and not minuted by 1 January;
	   minutasi: minuted in $tahun; kinerja = minutasi * 100 / (masuk + sisa). */
	public function kinerja($tahun)
	{
		$awal = sprintf('%04d-01-01', $tahun);
		$akhir = sprintf('%04d-12-31', $tahun);
		$row = $this->db->query(
			'SELECT SUM(IF(tahun_pendaftaran = ?, 1, 0)) AS masuk,
			        SUM(IF(tahun_pendaftaran < ? AND (tanggal_minutasi IS NULL OR tanggal_minutasi >= ?), 1, 0)) AS sisa,
			        SUM(IF(tanggal_minutasi BETWEEN ? AND ?, 1, 0)) AS minutasi
			 FROM v_perkara_dashboard',
			array((int) $tahun, (int) $tahun, $awal, $awal, $akhir))->row_array();
		return $this->_kinerja($tahun, $row);
	}

	protected function _kinerja($tahun, $row)
	{
		$masuk = (int) $row['masuk'];
		$sisa = (int) $row['sisa'];
		$minutasi = (int) $row['minutasi'];
		$beban = $masuk + $sisa;
		return array(
			'tahun' => (int) $tahun,
			'masuk' => $masuk,
			'sisa' => $sisa,
			'minutasi' => $minutasi,
			'kinerja' => $beban ? round($minutasi * 100 / $beban, 2) : 0,
		);
	}

	/* LIPA 1 per jenis perkara: sisa bulan lalu + diterima - diputus = sisa akhir,
	   sisa akhir = belum dibagi (no majelis appointed yet) + belum diputus. */
	public function lipa1($tahun, $bulan)
	{
		$awal = sprintf('%04d-%02d-01', $tahun, $bulan);
		$akhir = date('Y-m-t', strtotime($awal));
		$rows = $this->db->query(
			'SELECT p.jenis_perkara_id, p.jenis_perkara_nama,
			        SUM(IF(p.tanggal_pendaftaran < ? AND (pp.tanggal_putusan IS NULL OR pp.tanggal_putusan >= ?), 1, 0)) AS sisa_bulan_lalu,
			        SUM(IF(p.tanggal_pendaftaran >= ?, 1, 0)) AS diterima,
			        SUM(IF(pp.tanggal_putusan BETWEEN ? AND ?, 1, 0)) AS diputus,
			        SUM(IF(pp.tanggal_putusan IS NULL OR pp.tanggal_putusan > ?, 1, 0)) AS sisa_akhir,
			        SUM(IF((pp.tanggal_putusan IS NULL OR pp.tanggal_putusan > ?)
			               AND (pn.penetapan_majelis_hakim IS NULL OR pn.penetapan_majelis_hakim > ?), 1, 0)) AS belum_dibagi
			 FROM v_perkara_dashboard pp
			 JOIN perkara p ON p.perkara_id = pp.perkara_id
			 LEFT JOIN perkara_penetapan pn ON pn.perkara_id = pp.perkara_id
			 WHERE p.tanggal_pendaftaran <= ?
			 GROUP BY p.jenis_perkara_id, p.jenis_perkara_nama
			 ORDER BY p.jenis_perkara_id',
			array($awal, $awal, $awal, $awal, $akhir, $akhir, $akhir, $akhir, $akhir))->result_array();
		return $this->_lipa1($tahun, $bulan, $rows);
	}

	protected function _lipa1($tahun, $bulan, $rows)
	{
		$kolom = array('sisa_bulan_lalu', 'diterima', 'diputus', 'sisa_akhir', 'belum_dibagi', 'belum_diputus');
		$jumlah = array_fill_keys($kolom, 0);
		$rincian = array();
		foreach ($rows as $row)
		{
			$item = array('jenis_perkara_id' => (int) $row['jenis_perkara_id'], 'jenis_perkara_nama' => $row['jenis_perkara_nama']);
			foreach (array_slice($kolom, 0, 5) as $k)
			{
				$item[$k] = (int) $row[$k];
			}
			$item['belum_diputus'] = $item['sisa_akhir'] - $item['belum_dibagi'];
			if ($item['sisa_bulan_lalu'] + $item['diterima'] + $item['diputus'] + $item['sisa_akhir'] === 0)
			{
				continue;
			}
			foreach ($kolom as $k)
			{
				$jumlah[$k] += $item[$k];
			}
			$rincian[] = $item;
		}
		return array('tahun' => (int) $tahun, 'bulan' => (int) $bulan, 'rincian' => $rincian, 'jumlah' => $jumlah);
	}
}
