<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
 * Common functions: configuration, error pages, PHP error and fatal error handling.
 */

function &load_config($name)
{
	static $loaded = array();
	if ( ! isset($loaded[$name]))
	{
		$file = APPPATH . 'config/' . $name . '.php';
		if ( ! is_file($file))
		{
			show_error('Configuration Error', 'The configuration file ' . $name . '.php does not exist.');
		}
		$config = array();
		$db = array();
		$route = array();
		$autoload = array();
		include $file;
		$found = array('config' => $config, 'database' => $db, 'routes' => $route, 'autoload' => $autoload);
		$loaded[$name] = isset($found[$name]) ? $found[$name] : $config;
		if ($name === 'database')
		{
			$loaded[$name] = array('active_group' => isset($active_group) ? $active_group : 'default', 'db' => $db);
		}
	}
	return $loaded[$name];
}

function config_item($key)
{
	$file = APPPATH . 'config/config.php';
	if ( ! is_file($file))
	{
		return NULL;
	}
	$config = load_config('config');
	return isset($config[$key]) ? $config[$key] : NULL;
}

function base_url($uri = '')
{
	$base = config_item('base_url');
	if ($base == '')
	{
		$host = isset($_SERVER['HTTP_HOST']) ? $_SERVER['HTTP_HOST'] : 'localhost';
		$base = 'http://' . $host . rtrim(dirname($_SERVER['SCRIPT_NAME']), '/') . '/';
	}
	return rtrim($base, '/') . '/' . ltrim($uri, '/');
}

function set_status_header($code = 200, $text = '')
{
	if ( ! headers_sent())
	{
		http_response_code($code);
	}
}

function html_escape($var)
{
	return htmlspecialchars((string) $var, ENT_QUOTES, 'UTF-8');
}

function _discard_output()
{
	while (ob_get_level() > 0)
	{
		ob_end_clean();
	}
}

/* Render an error page (application/errors/<template>.php) and stop. */
function show_error($heading, $message, $template = 'error_general', $status_code = 500)
{
	_discard_output();
	set_status_header($status_code);
	$message = '<p>' . implode('</p><p>', is_array($message) ? $message : array($message)) . '</p>';
	include APPPATH . 'errors/' . $template . '.php';
	exit(1);
}

function show_404($page = '')
{
	show_error('404 Page Not Found', 'The page you requested was not found.', 'error_404', 404);
}

function _exception_handler($severity, $message, $filepath, $line)
{
	if ( ! (error_reporting() & $severity))
	{
		return FALSE;   // silenced with @
	}
	$levels = array(
		E_WARNING => 'Warning', E_NOTICE => 'Notice', E_USER_ERROR => 'User Error',
		E_USER_WARNING => 'User Warning', E_USER_NOTICE => 'User Notice', E_DEPRECATED => 'Deprecated',
		E_USER_DEPRECATED => 'User Deprecated', E_STRICT => 'Runtime Notice',
	);
	$severity = isset($levels[$severity]) ? $levels[$severity] : $severity;
	$filepath = str_replace('\\', '/', $filepath);
	if (strpos($filepath, '/') !== FALSE)
	{
		$x = explode('/', $filepath);
		$filepath = $x[count($x) - 2] . '/' . end($x);
	}
	include APPPATH . 'errors/error_php.php';
	return TRUE;
}

/* Fatal errors cannot be caught by the handler above: report them at shutdown with status 500. */
function _shutdown_handler()
{
	$error = error_get_last();
	if ($error === NULL || ! in_array($error['type'], array(E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR), TRUE))
	{
		return;
	}
	_discard_output();
	set_status_header(500);
	echo "<br />\n<b>Fatal error</b>:  " . html_escape($error['message']) . ' in <b>' . html_escape($error['file'])
		. '</b> on line <b>' . (int) $error['line'] . "</b><br />\n";
}

set_error_handler('_exception_handler');
register_shutdown_function('_shutdown_handler');
