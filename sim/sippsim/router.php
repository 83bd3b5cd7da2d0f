<?php
// Router of a simulated court's PHP web server (php -S ... router.php), run as root by the simulator: it answers as
// a production web server running as its own unprivileged user (apache, www-data) would. A path whose folders that
// user may not enter (o+x), or whose file it may not read (o+r), is 403 Forbidden, as are .ht* files (Apache's
// default). Everything else is served as the built-in server does (return false).
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
$current = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
foreach (explode('/', trim($path, '/')) as $part) {
    if ($part === '' || $part === '.') {
        continue;
    }
    if ($part === '..' || strncmp($part, '.ht', 3) === 0) {
        http_response_code(403);
        echo "Forbidden\n";
        return true;
    }
    $current .= '/' . $part;
    if (!file_exists($current)) {
        return false;  // not there (or path info after a script): the built-in server decides
    }
    $perms = fileperms($current);
    $needed = is_dir($current) ? 0001 : 0004;
    if (($perms & $needed) === 0) {
        http_response_code(403);
        echo "Forbidden\n";
        return true;
    }
}
return false;
