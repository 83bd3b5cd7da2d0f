"""Network and mount namespaces for ssh mode: each court its own host on a private LAN.

Layout of region number NN (1..250): a bridge `sipbrNN` (10.213.NN.1/24) links
- one namespace per court, `sippNN-<i>`, address 10.213.NN.(10+i), where sshd, MariaDB and PHP listen;
- one namespace `sippNN-pub` for the public side: the public database server of court i listens on 10.213.NN.(130+i).
Every listener lives inside a namespace the simulator made; the bridge only routes.
"""
import os
import subprocess

MAX_COURTS = 110


def run(*argv, check=True):
    out = subprocess.run(list(argv), capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), out.stderr.strip()))
    return out


def link_exists(name):
    return os.path.exists("/sys/class/net/%s" % name)


def claim_region_number():
    """Create the bridge of the first free region number and return that number. Creating the bridge is the
    claim, so two regions started at the same moment never share a network."""
    for nn in range(1, 251):
        if link_exists(bridge(nn)) or os.path.exists("/run/netns/%s" % pub_ns(nn)):
            continue
        try:
            create_bridge(nn)
        except RuntimeError:
            if link_exists(bridge(nn)):
                continue  # taken by another region between our look and our claim
            raise
        return nn
    raise RuntimeError("no free simulated network: 250 regions are up")


def bridge(nn):
    return "sipbr%d" % nn


def court_ns(nn, i):
    return "sipp%d-%d" % (nn, i)


def pub_ns(nn):
    return "sipp%d-pub" % nn


def court_addr(nn, i):
    return "10.213.%d.%d" % (nn, 10 + i)


def pub_addr(nn, i):
    return "10.213.%d.%d" % (nn, 130 + i)


def create_bridge(nn):
    br = bridge(nn)
    run("ip", "link", "add", br, "type", "bridge")
    run("ip", "addr", "add", "10.213.%d.1/24" % nn, "dev", br)
    run("ip", "link", "set", br, "up")


def _attach(nn, ns, host_if, addrs):
    run("ip", "netns", "add", ns)
    run("ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", ns)
    run("ip", "link", "set", host_if, "master", bridge(nn))
    run("ip", "link", "set", host_if, "up")
    for a in addrs:
        run("ip", "netns", "exec", ns, "ip", "addr", "add", "%s/24" % a, "dev", "eth0")
    run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up")
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")


def create_court(nn, i):
    _attach(nn, court_ns(nn, i), "sv%dc%d" % (nn, i), [court_addr(nn, i)])


def create_pub(nn, count):
    _attach(nn, pub_ns(nn), "sv%dpub" % nn, [pub_addr(nn, i) for i in range(count)])


def destroy(nn):
    """Remove every namespace and link of region NN; ignores what is already gone."""
    prefix = "sipp%d-" % nn
    if os.path.isdir("/run/netns"):
        for ns in os.listdir("/run/netns"):
            if ns.startswith(prefix):
                run("ip", "netns", "del", ns, check=False)
    for name in os.listdir("/sys/class/net"):
        if name.startswith("sv%dc" % nn) or name == "sv%dpub" % nn or name == bridge(nn):
            run("ip", "link", "del", name, check=False)


def set_link(nn, i, up):
    """Cut or restore a court's link to the LAN (a lost SSH link, a dead switch port)."""
    run("ip", "link", "set", "sv%dc%d" % (nn, i), "up" if up else "down")


def pub_link(nn, up):
    """Cut or restore the public side (the court's sync target becomes unreachable)."""
    run("ip", "link", "set", "sv%dpub" % nn, "up" if up else "down")
