<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');

define('FILE_READ_MODE', 0644);
define('FILE_WRITE_MODE', 0666);
define('DIR_READ_MODE', 0755);
define('DIR_WRITE_MODE', 0777);

/*
| SIPP: version of this code tree. The installed version is sys_config id 80;
| the two differ only while an upgrade is half done.
*/
define('SIPP_VERSI_KODE', '5.3.0');
define('SIPP_DIR_DOKUMEN', 'resources/file/');

/* End of file constants.php */
/* Location: ./application/config/constants.php */
