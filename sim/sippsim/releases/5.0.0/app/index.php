<?php
/*
 *---------------------------------------------------------------
 * SIPP - Sistem Informasi Penelusuran Perkara
 *---------------------------------------------------------------
 * Front controller. Every request goes through this file:
 *   /<Folder>/                          -> login page
 *   /<Folder>/index.php/<controller>/<method>
 */
define('ENVIRONMENT', 'production');

error_reporting(E_ALL);
ini_set('display_errors', '0');   // errors are rendered by system/core/Common.php
date_default_timezone_set('Asia/Jakarta');

define('SELF', basename(__FILE__));
define('FCPATH', __DIR__ . '/');
define('BASEPATH', FCPATH . 'system/');
define('APPPATH', FCPATH . 'application/');
define('EXT', '.php');

require_once BASEPATH . 'core/CodeIgniter.php';
