<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>SIPP</title>
<style type="text/css">
body { background-color: #f4f6f9; margin: 80px auto; max-width: 640px; font: 15px/22px Helvetica, Arial, sans-serif; color: #333; text-align: center; }
h1 { color: #1d5e3a; font-size: 22px; }
</style>
</head>
<body>
	<h1><?php echo $heading; ?></h1>
	<div class="offline-message"><?php echo $message; ?></div>
</body>
</html>
