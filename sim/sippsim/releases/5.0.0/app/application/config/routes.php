<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');
/*
| -------------------------------------------------------------------------
| URI ROUTING
| -------------------------------------------------------------------------
*/
$route['default_controller'] = "login";
$route['404_override'] = '';

/* End of file routes.php */
/* Location: ./application/config/routes.php */
