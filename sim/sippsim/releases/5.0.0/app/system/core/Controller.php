<?php if ( ! defined('BASEPATH')) exit('No direct script access allowed');

class CI_Loader {

	public function view($view, $vars = array(), $return = FALSE)
	{
		$file = APPPATH . 'views/' . $view . '.php';
		if ( ! is_file($file))
		{
			show_error('An Error Was Encountered', 'Unable to load the requested file: ' . $view . '.php');
		}
		extract($vars);
		ob_start();
		include $file;
		$out = ob_get_clean();
		if ($return)
		{
			return $out;
		}
		echo $out;
	}

	public function model($model)
	{
		$CI =& get_instance();
		if (isset($CI->$model))
		{
			return;
		}
		$file = APPPATH . 'models/' . $model . '.php';
		if ( ! is_file($file))
		{
			show_error('An Error Was Encountered', 'Unable to locate the model you have specified: ' . $model);
		}
		require_once $file;
		$CI->$model = new $model();
	}
}

#[AllowDynamicProperties]
class CI_Controller {

	private static $instance;
	public $load;
	public $db;

	public function __construct()
	{
		self::$instance =& $this;
		$this->load = new CI_Loader();
		$this->db = isset($GLOBALS['SIPP_DB']) ? $GLOBALS['SIPP_DB'] : NULL;
	}

	public static function &get_instance()
	{
		return self::$instance;
	}

	protected function json($data)
	{
		header('Content-Type: application/json; charset=utf-8');
		echo json_encode($data);
	}
}

#[AllowDynamicProperties]
class CI_Model {

	public function __get($key)
	{
		$CI =& get_instance();
		return $CI->$key;
	}
}

function &get_instance()
{
	return CI_Controller::get_instance();
}
