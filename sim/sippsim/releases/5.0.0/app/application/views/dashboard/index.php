<h2>Kinerja Penanganan Perkara Tahun <?php echo $kinerja['tahun']; ?></h2>
<table class="kinerja">
	<tr><th>Perkara Masuk</th><td><?php echo $kinerja['masuk']; ?></td></tr>
	<tr><th>Sisa Perkara</th><td><?php echo $kinerja['sisa']; ?></td></tr>
	<tr><th>Minutasi</th><td><?php echo $kinerja['minutasi']; ?></td></tr>
	<tr><th>Kinerja</th><td><?php echo number_format($kinerja['kinerja'], 2, ',', '.'); ?>%</td></tr>
</table>
