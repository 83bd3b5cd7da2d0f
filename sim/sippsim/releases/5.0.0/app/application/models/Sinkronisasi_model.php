<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
 * Synchronisation to the public SIPP site (SIPP web):
 *   1. rebuild the local publication tables (*web) from the case tables;
 *   2. connect to the public side with database.php group 'web' (mysqli, TCP);
 *   3. replace each public *web table's rows with the local ones (columns both sides have);
 *   4. CALL updateData(), which stamps sys_sinkronisasi row '1'.
 * Works on the schema of every version: 5.2.0 renamed perkara_jadwal_sidang.agenda to agenda_sidang, so the column
 * is looked up in information_schema. Names of parties in juvenile cases (alur 118) are not published.
 * Errors are thrown as Sinkronisasi_error, whose message never holds a password.
 */

class Sinkronisasi_error extends Exception {}

class Sinkronisasi_model extends CI_Model {

	const TABEL = 'dataumumweb,jadwalsidangweb,pihakweb,perkaraputusanweb';
	const DISAMARKAN = "'Disamarkan'";
	const BATCH = 1000;

	private $rahasia = array();

	public function tabel_publikasi()
	{
		return explode(',', self::TABEL);
	}

	/* The statements that rebuild the local publication tables, in order, on the SIPP database. */
	public function sql_publikasi()
	{
		$h = self::DISAMARKAN;
		return array(
			'DELETE FROM dataumumweb',
			'INSERT INTO dataumumweb (perkara_id, nomor_perkara, tanggal_pendaftaran, alur_perkara_id, jenis_perkara_nama, '
			. 'pihak1_text, pihak2_text, tahapan_terakhir_text, proses_terakhir_text) '
			. 'SELECT perkara_id, nomor_perkara, tanggal_pendaftaran, alur_perkara_id, jenis_perkara_nama, pihak1_text, '
			. "IF(alur_perkara_id = 118, $h, pihak2_text), tahapan_terakhir_text, proses_terakhir_text FROM perkara",
			'DELETE FROM pihakweb',
			'INSERT INTO pihakweb (id, perkara_id, pihak_ke, urutan, nama, alamat) '
			. 'SELECT x.id, x.perkara_id, 1, x.urutan, x.nama, x.alamat FROM perkara_pihak1 x',
			'INSERT INTO pihakweb (id, perkara_id, pihak_ke, urutan, nama, alamat) '
			. "SELECT x.id, x.perkara_id, 2, x.urutan, IF(p.alur_perkara_id = 118, $h, x.nama), "
			. "IF(p.alur_perkara_id = 118, $h, x.alamat) "
			. 'FROM perkara_pihak2 x JOIN perkara p ON p.perkara_id = x.perkara_id',
			'DELETE FROM perkaraputusanweb',
			'INSERT INTO perkaraputusanweb (perkara_id, nomor_perkara, tanggal_putusan, status_putusan_nama, '
			. 'tanggal_minutasi, tanggal_bht) '
			. 'SELECT pp.perkara_id, p.nomor_perkara, pp.tanggal_putusan, sp.nama, pp.tanggal_minutasi, pp.tanggal_bht '
			. 'FROM perkara_putusan pp JOIN perkara p ON p.perkara_id = pp.perkara_id '
			. 'LEFT JOIN status_putusan sp ON sp.id = pp.status_putusan_id WHERE pp.tanggal_putusan IS NOT NULL',
			'DELETE FROM jadwalsidangweb',
			"SET @sipp_agenda = (SELECT IF(COUNT(*) > 0, 'agenda_sidang', 'agenda') FROM information_schema.COLUMNS "
			. "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'perkara_jadwal_sidang' AND COLUMN_NAME = 'agenda_sidang')",
			"SET @sipp_sql = CONCAT('INSERT INTO jadwalsidangweb (id, perkara_id, nomor_perkara, tanggal_sidang, "
			. "jam_sidang, agenda, ruangan, ditunda) SELECT j.id, j.perkara_id, p.nomor_perkara, j.tanggal_sidang, "
			. "j.jam_sidang, j.', @sipp_agenda, ', j.ruangan, j.ditunda FROM perkara_jadwal_sidang j "
			. "JOIN perkara p ON p.perkara_id = j.perkara_id')",
			'PREPARE sipp_stmt FROM @sipp_sql',
			'EXECUTE sipp_stmt',
			'DEALLOCATE PREPARE sipp_stmt',
		);
	}

	/* Step 1: rebuild the local publication tables in one transaction. */
	public function bangun_lokal()
	{
		$conn = $this->db->conn;
		$this->_q($conn, 'START TRANSACTION', 'SIPP');
		try
		{
			foreach ($this->sql_publikasi() as $sql)
			{
				$this->_q($conn, $sql, 'SIPP');
			}
			$this->_q($conn, 'COMMIT', 'SIPP');
		}
		catch (Sinkronisasi_error $e)
		{
			@$conn->query('ROLLBACK');
			throw $e;
		}
	}

	/* Step 2: the public side, from database.php group $group. */
	public function hubungkan_publik($group = 'web')
	{
		$conf = load_config('database');
		if ( ! isset($conf['db'][$group]))
		{
			throw new Sinkronisasi_error("grup '" . $group . "' (basis data SIPP publik) tidak ada di database.php");
		}
		$p = $conf['db'][$group];
		if ( ! empty($p['password']))
		{
			$this->rahasia[] = (string) $p['password'];
		}
		$host = isset($p['hostname']) ? $p['hostname'] : '';
		$port = ! empty($p['port']) ? (int) $p['port'] : 3306;
		mysqli_report(MYSQLI_REPORT_OFF);
		$conn = mysqli_init();
		$conn->options(MYSQLI_OPT_CONNECT_TIMEOUT, 10);
		$ok = @$conn->real_connect($host, isset($p['username']) ? $p['username'] : '',
			isset($p['password']) ? $p['password'] : '', isset($p['database']) ? $p['database'] : '', $port);
		if ( ! $ok)
		{
			throw new Sinkronisasi_error($this->_bersih('basis data SIPP publik ' . $host . ':' . $port
				. ' tidak dapat dihubungi: ' . mysqli_connect_error() . ' (' . mysqli_connect_errno() . ')'));
		}
		$conn->set_charset(isset($p['char_set']) ? $p['char_set'] : 'latin1');
		return $conn;
	}

	/* Step 3 and 4: copy every publication table, then stamp. $bagian < 1 copies only that share of each table's
	   rows (simulator fault 'partial'). Returns array('stamp' => ..., 'counts' => array(table => array(local, public))). */
	public function salin($pub, $bagian = 1.0)
	{
		$local = $this->db->conn;
		$counts = array();
		foreach ($this->tabel_publikasi() as $table)
		{
			$cols = array_values(array_intersect($this->_kolom($local, $table, 'SIPP'),
				$this->_kolom($pub, $table, 'publik')));
			if ( ! $cols)
			{
				throw new Sinkronisasi_error('tabel ' . $table . ' tidak punya kolom yang sama di kedua sisi');
			}
			$collist = '`' . implode('`, `', $cols) . '`';
			$total = (int) $this->_nilai($local, 'SELECT COUNT(*) FROM `' . $table . '`', 'SIPP');
			$limit = $bagian < 1 ? (int) floor($total * $bagian) : $total;

			$this->_q($pub, 'START TRANSACTION', 'publik');
			try
			{
				$this->_q($pub, 'DELETE FROM `' . $table . '`', 'publik');
				$res = $local->query('SELECT ' . $collist . ' FROM `' . $table . '` LIMIT ' . $limit, MYSQLI_USE_RESULT);
				if ($res === FALSE)
				{
					throw new Sinkronisasi_error('SIPP: ' . $local->error . ' (' . $local->errno . ')');
				}
				$rows = array();
				$insert = 'INSERT INTO `' . $table . '` (' . $collist . ') VALUES ';
				try
				{
					while ($row = $res->fetch_row())
					{
						$vals = array();
						foreach ($row as $v)
						{
							$vals[] = $v === NULL ? 'NULL' : "'" . $pub->real_escape_string($v) . "'";
						}
						$rows[] = '(' . implode(', ', $vals) . ')';
						if (count($rows) >= self::BATCH)
						{
							$this->_q($pub, $insert . implode(', ', $rows), 'publik');
							$rows = array();
						}
					}
				}
				finally
				{
					$res->free();
				}
				if ($rows)
				{
					$this->_q($pub, $insert . implode(', ', $rows), 'publik');
				}
				$this->_q($pub, 'COMMIT', 'publik');
			}
			catch (Sinkronisasi_error $e)
			{
				@$pub->query('ROLLBACK');
				throw $e;
			}
			$counts[$table] = array(
				(int) $this->_nilai($local, 'SELECT COUNT(*) FROM `' . $table . '`', 'SIPP'),
				(int) $this->_nilai($pub, 'SELECT COUNT(*) FROM `' . $table . '`', 'publik'),
			);
		}
		$this->_q($pub, 'CALL updateData()', 'publik');
		$stamp = $this->_nilai($pub, "SELECT time_stamp FROM sys_sinkronisasi WHERE id = '1'", 'publik');
		return array('stamp' => $stamp, 'counts' => $counts);
	}

	/* A message safe to show: the passwords of database.php never appear in it. */
	public function _bersih($text)
	{
		$conf = load_config('database');
		foreach ($conf['db'] as $g)
		{
			if ( ! empty($g['password']))
			{
				$this->rahasia[] = (string) $g['password'];
			}
		}
		foreach (array_unique($this->rahasia) as $secret)
		{
			$text = str_replace($secret, '********', $text);
		}
		return $text;
	}

	private function _kolom($conn, $table, $side)
	{
		$res = $this->_q($conn, 'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() '
			. "AND TABLE_NAME = '" . $conn->real_escape_string($table) . "' ORDER BY ORDINAL_POSITION", $side);
		$cols = array();
		while ($row = $res->fetch_row())
		{
			$cols[] = $row[0];
		}
		$res->free();
		return $cols;
	}

	private function _nilai($conn, $sql, $side)
	{
		$res = $this->_q($conn, $sql, $side);
		$row = $res->fetch_row();
		$res->free();
		return $row ? $row[0] : NULL;
	}

	private function _q($conn, $sql, $side)
	{
		$res = $conn->query($sql);
		if ($res === FALSE)
		{
			throw new Sinkronisasi_error($this->_bersih($side . ': ' . $conn->error . ' (' . $conn->errno . ')'));
		}
		while ($conn->more_results() && $conn->next_result())
		{
			$extra = $conn->store_result();
			if ($extra instanceof mysqli_result)
			{
				$extra->free();
			}
		}
		return $res;
	}
}
