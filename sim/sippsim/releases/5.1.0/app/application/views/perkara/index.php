<h2>Perkara Terbaru</h2>
<table class="daftar">
	<thead><tr><th>Nomor Perkara</th><th>Tanggal Pendaftaran</th><th>Jenis Perkara</th><th>Para Pihak</th><th>Proses Terakhir</th></tr></thead>
	<tbody>
	<?php foreach ($perkara as $p): ?>
		<tr>
			<td><?php echo html_escape($p['nomor_perkara']); ?><?php if ($p['is_ecourt']): ?> <span class="badge">e-Court</span><?php endif; ?></td>
			<td><?php echo html_escape($p['tanggal_pendaftaran']); ?></td>
			<td><?php echo html_escape($p['jenis_perkara_nama']); ?></td>
			<td><?php echo html_escape($p['pihak1_text']); ?><br>melawan<br><?php echo html_escape($p['pihak2_text']); ?></td>
			<td><?php echo html_escape($p['proses_terakhir_text']); ?></td>
		</tr>
	<?php endforeach; ?>
	</tbody>
</table>
