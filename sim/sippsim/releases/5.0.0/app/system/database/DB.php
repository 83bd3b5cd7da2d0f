<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
 * A small mysqli database layer with the CodeIgniter 2 calling style.
 * hostname 'localhost' means the unix socket: the 'socket' key if set, else mysqli.default_socket,
 * else /run/mysqld/mysqld.sock. Any other hostname is reached over TCP on 'port' (default 3306).
 */

class CI_DB_result {

	private $rows;

	public function __construct($result)
	{
		$this->rows = array();
		if ($result instanceof mysqli_result)
		{
			while ($row = $result->fetch_assoc())
			{
				$this->rows[] = $row;
			}
			$result->free();
		}
	}

	public function result_array() { return $this->rows; }
	public function result() { return array_map(function ($r) { return (object) $r; }, $this->rows); }
	public function row_array() { return isset($this->rows[0]) ? $this->rows[0] : array(); }
	public function row() { return isset($this->rows[0]) ? (object) $this->rows[0] : NULL; }
	public function num_rows() { return count($this->rows); }
}

class CI_DB {

	public $conn;
	public $database;

	public function __construct(array $params)
	{
		mysqli_report(MYSQLI_REPORT_OFF);
		$host = isset($params['hostname']) ? $params['hostname'] : 'localhost';
		$port = ! empty($params['port']) ? (int) $params['port'] : 3306;
		$socket = NULL;
		if ($host === 'localhost')
		{
			$socket = ! empty($params['socket']) ? $params['socket'] : ini_get('mysqli.default_socket');
			if ( ! $socket)
			{
				$socket = '/run/mysqld/mysqld.sock';
			}
		}
		$this->database = $params['database'];
		$this->conn = mysqli_init();
		$ok = @$this->conn->real_connect($host, $params['username'], $params['password'], $params['database'], $port, $socket);
		if ( ! $ok)
		{
			show_error('A Database Error Occurred', array(
				'Unable to connect to your database server using the provided settings.',
				'Error Number: ' . mysqli_connect_errno(),
				html_escape(mysqli_connect_error()),
				'Filename: core/CodeIgniter.php',
			), 'error_db', 500);
		}
		$this->conn->set_charset(isset($params['char_set']) ? $params['char_set'] : 'latin1');
	}

	public function escape($value)
	{
		if ($value === NULL)
		{
			return 'NULL';
		}
		if (is_int($value) || is_float($value))
		{
			return (string) $value;
		}
		return "'" . $this->conn->real_escape_string((string) $value) . "'";
	}

	/* query('... WHERE id = ?', array(80)) binds values in order. */
	public function query($sql, $binds = array())
	{
		if ($binds)
		{
			$parts = explode('?', $sql);
			$sql = array_shift($parts);
			foreach ($parts as $i => $part)
			{
				$sql .= $this->escape($binds[$i]) . $part;
			}
		}
		$result = $this->conn->query($sql);
		if ($result === FALSE)
		{
			$trace = debug_backtrace();
			$caller = isset($trace[0]['file']) ? basename(dirname($trace[0]['file'])) . '/' . basename($trace[0]['file']) : '';
			show_error('A Database Error Occurred', array(
				'Error Number: ' . $this->conn->errno,
				html_escape($this->conn->error),
				html_escape($sql),
				'Filename: ' . $caller,
				'Line Number: ' . (isset($trace[0]['line']) ? $trace[0]['line'] : 0),
			), 'error_db', 500);
		}
		return new CI_DB_result($result);
	}
}

function &DB($group = '')
{
	$conf = load_config('database');
	$group = $group ? $group : $conf['active_group'];
	if ( ! isset($conf['db'][$group]))
	{
		show_error('A Database Error Occurred', 'You have specified an invalid database connection group.', 'error_db', 500);
	}
	$db = new CI_DB($conf['db'][$group]);
	return $db;
}
