<h2>Kinerja Penanganan Perkara Tahun <?php echo $kinerja['tahun']; ?></h2>
<table class="kinerja">
	<tr><th>Perkara Masuk</th><td class="angka"><?php echo number_format($kinerja['masuk'], 0, ',', '.'); ?></td></tr>
	<tr><th>Sisa Perkara</th><td class="angka"><?php echo number_format($kinerja['sisa'], 0, ',', '.'); ?></td></tr>
	<tr><th>Minutasi</th><td class="angka"><?php echo number_format($kinerja['minutasi'], 0, ',', '.'); ?></td></tr>
	<tr><th>Kinerja</th><td class="angka"><?php echo number_format($kinerja['kinerja'], 2, ',', '.'); ?> %</td></tr>
</table>
<p class="keterangan">Kinerja = minutasi &times; 100 / (perkara masuk + sisa perkara).</p>
