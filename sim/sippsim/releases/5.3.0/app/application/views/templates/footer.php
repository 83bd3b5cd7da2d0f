</div>
<div id="footer">
	Sistem Informasi Penelusuran Perkara &middot; <span class="versi">Versi <?php echo html_escape($versi); ?></span>
	&middot; &copy; Mahkamah Agung Republik Indonesia
</div>
<script src="<?php echo base_url('resources/js/sipp-login.js'); ?>"></script>
</body>
</html>
