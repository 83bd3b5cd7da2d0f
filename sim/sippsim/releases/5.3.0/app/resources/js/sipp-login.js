/* SIPP 5.3: login form helpers (replaces sipp.js). */
(function () {
	var user = document.getElementById('username');
	if (user) { user.focus(); }
	var form = user ? user.form : null;
	if (form) {
		form.addEventListener('submit', function () {
			var button = form.querySelector('button[type=submit]');
			if (button) { button.disabled = true; button.textContent = 'Memproses...'; }
		});
	}
})();
