<!DOCTYPE html>
<html lang="id">
<head>
	<meta charset="utf-8">
	<meta name="sipp-build" content="<?php echo SIPP_VERSI_KODE; ?>">
	<title>SIPP</title>
	<link rel="stylesheet" href="<?php echo base_url('resources/css/sipp.css'); ?>">
</head>
<body>
<div id="header">
	<div class="logo">SIPP</div>
	<div class="satker"><?php echo html_escape($nama_pn); ?></div>
</div>
<div id="content">
