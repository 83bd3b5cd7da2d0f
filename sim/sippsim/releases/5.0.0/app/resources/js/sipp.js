/* SIPP 5: small helpers for the login form. */
(function () {
	var user = document.getElementById('username');
	if (user) { user.focus(); }
})();
