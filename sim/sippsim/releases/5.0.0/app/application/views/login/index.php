<div class="login-box">
	<h2>Masuk ke SIPP</h2>
	<form method="post" action="<?php echo base_url('index.php/login'); ?>" autocomplete="off">
		<label for="username">Nama Pengguna</label>
		<input type="text" id="username" name="username" placeholder="Nama Pengguna">
		<label for="password">Kata Sandi</label>
		<input type="password" id="password" name="password" placeholder="Kata Sandi">
		<button type="submit">Masuk</button>
	</form>
	<ul class="ringkasan">
	<?php foreach ($ringkasan as $label => $nilai): ?>
		<li><?php echo html_escape($label); ?>: <strong><?php echo (int) $nilai; ?></strong></li>
	<?php endforeach; ?>
	</ul>
</div>
