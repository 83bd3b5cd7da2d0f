"""sippsim: simulated SIPP court servers for the tests and the demo of pengadilan.sipp (not part of the collection)."""
