<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
| -------------------------------------------------------------------
| AUTO-LOADER
| -------------------------------------------------------------------
| Libraries, helpers and models loaded on every request.
*/
$autoload['packages'] = array();
$autoload['libraries'] = array('database');
$autoload['helper'] = array('url');
$autoload['config'] = array();
$autoload['language'] = array();
$autoload['model'] = array();

/* End of file autoload.php */
/* Location: ./application/config/autoload.php */
