<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
 * The front controller: load common functions, connect the database, honour the maintenance switch,
 * route /index.php/<controller>/<method>/<args...> and run the controller.
 */
define('CI_VERSION', '2.1.4');

require BASEPATH . 'core/Common.php';
require APPPATH . 'config/constants.php';
require BASEPATH . 'core/Controller.php';

ob_start();

$autoload = load_config('autoload');
if (in_array('database', isset($autoload['libraries']) ? $autoload['libraries'] : array(), TRUE))
{
	require BASEPATH . 'database/DB.php';
	$GLOBALS['SIPP_DB'] =& DB();

	// Maintenance switch: sys_config 6 SiteOffline = '1' shows sys_config 1 OfflineMessage.
	$offline = $GLOBALS['SIPP_DB']->query('SELECT id, value FROM sys_config WHERE id IN (1, 6)')->result_array();
	$switch = array();
	foreach ($offline as $row)
	{
		$switch[(int) $row['id']] = $row['value'];
	}
	// Synchronisation to the public site is not a user page: it runs during maintenance windows too.
	$sync = (bool) preg_match('#^/*sinkronisasi(/|$)#i', isset($_SERVER['PATH_INFO']) ? $_SERVER['PATH_INFO'] : '');
	if (isset($switch[6]) && $switch[6] === '1' && ! $sync)
	{
		header('Retry-After: 600');
		show_error('SIPP Offline', html_escape(isset($switch[1]) ? $switch[1] : 'Offline'), 'error_offline', 503);
	}
}

/* Routing */
$route = load_config('routes');
$path = isset($_SERVER['PATH_INFO']) ? $_SERVER['PATH_INFO'] : '';
$segments = array_values(array_filter(explode('/', trim($path, '/')), 'strlen'));
if (empty($segments))
{
	$segments = explode('/', $route['default_controller']);
}
$class = ucfirst(strtolower($segments[0]));
$method = isset($segments[1]) ? $segments[1] : 'index';
$args = array_slice($segments, 2);

if ( ! preg_match('/^[A-Za-z0-9_]+$/', $class) || ! is_file(APPPATH . 'controllers/' . $class . '.php'))
{
	show_404($path);
}
require APPPATH . 'controllers/' . $class . '.php';
if ( ! class_exists($class) || $method[0] === '_' || in_array(strtolower($method), array_map('strtolower', get_class_methods('CI_Controller')), TRUE) || ! in_array(strtolower($method), array_map('strtolower', get_class_methods($class)), TRUE))
{
	show_404($path);
}

$CI = new $class();
call_user_func_array(array($CI, $method), $args);

ob_end_flush();
