# SPDX-License-Identifier: MIT
"""A network namespace with a tap device in it, for tests that put the
guest on a tap network (docs/network.md "A tap network"): the host's end
of the tap gets 10.0.2.2/24 (the stacks' gateway, stacks/main.c), QEMU
runs in the namespace (scripts/cairn-qemu --tap, by ip netns exec, which
execs it: the pid is QEMU's), and so do the test's host clients. Nothing
outside the namespace is ever a target; the namespace, its tap and its
routes are deleted on exit whatever happened, and ones an earlier run
left when it was SIGKILLed are deleted at the next start.

With mtu, the tap and the NIC (host_mtu) both get it, so frames past
1,514 bytes reach the guest."""
import os
import re
import subprocess
import sys

import seeds
from cairnvm import CairnVM, exit_on_sigterm

TAP = "tap0"
HOST_ADDR = "10.0.2.2/24"  # the gateway the stacks use (stacks/main.c)
GUEST = "10.0.2.15"        # enet's address (virtio-net/main.c)
PREFIX = "cairn-survive"   # cairn-survive-<pid>-<tag>


def ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def delete_stale_namespaces():
    """Namespaces an earlier run left when it was SIGKILLed (its finally
    never ran): cairn-survive-<pid>-... whose pid is gone."""
    names = ip("netns", "list", check=False).stdout.split("\n")
    for name in (n.split()[0] for n in names if n.strip()):
        m = re.match(PREFIX + r"-(\d+)-", name)
        if m and not os.path.exists("/proc/" + m.group(1)):
            ip("netns", "delete", name, check=False)


def can_make_netns():
    """None if this machine can make a namespace with a tap, else why not."""
    if os.geteuid() != 0:
        return "not root"
    probe = "%s-%d-probe" % (PREFIX, os.getpid())
    r = ip("netns", "add", probe, check=False)
    if r.returncode != 0:
        return (r.stderr.strip() or "ip netns add failed").splitlines()[0]
    ip("netns", "delete", probe, check=False)
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


class Netns:
    """A network namespace with the tap device and the host's address, for
    one test; deleted on exit (its tap and routes go with it)."""

    def __init__(self, tag, mtu=None):
        self.name = "%s-%d-%s" % (PREFIX, os.getpid(), tag)
        self.mtu = mtu

    def __enter__(self):
        ip("netns", "add", self.name)
        try:
            cmds = [["link", "set", "lo", "up"],
                    ["tuntap", "add", "dev", TAP, "mode", "tap"],
                    ["addr", "add", HOST_ADDR, "dev", TAP]]
            if self.mtu:
                cmds.append(["link", "set", TAP, "mtu", str(self.mtu)])
            cmds.append(["link", "set", TAP, "up"])
            for cmd in cmds:
                ip("-n", self.name, *cmd)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        ip("netns", "delete", self.name, check=False)
        return False

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def boot(self, build, img, serving, timeout=90, icount=False, append=None):
        """QEMU on the tap, once a console line matches serving."""
        vm = CairnVM(build, img, mem="256M", tap=TAP, mtu=self.mtu, prefix=self.prefix(),
                     icount=icount, append=append)
        try:
            vm.wait_for(serving, timeout)
            # The pid a test kills is QEMU's own (ip netns exec and the
            # launcher both exec), never anyone else's.
            with open("/proc/%d/comm" % vm.proc.pid) as f:
                comm = f.read().strip()
            assert comm.startswith("qemu"), "pid %d is %r, not QEMU" % (vm.proc.pid, comm)
        except BaseException:
            vm.kill()
            raise
        return vm


def start(name, client_main, default_seed):
    """The start of a tap test's file, before its Runner's main: run as
    --client ARGS (in the namespace), it is the test's host client and
    exits; else it skips (exit 77, meson's skip) where no namespace with a
    tap can be made, takes --seed N off argv, deletes namespaces an earlier
    run left, and returns the seed to run with (seeds.choose)."""
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2:])
        sys.exit(0)
    exit_on_sigterm()
    why = can_make_netns()
    if why:
        print("SKIP %s: no network namespace with a tap here (%s)" % (name, why), flush=True)
        sys.exit(77)
    seed = None
    if "--seed" in sys.argv:
        at = sys.argv.index("--seed")
        seed = int(sys.argv[at + 1], 0)
        del sys.argv[at:at + 2]
    chosen = seeds.choose(name, seed, default_seed)
    delete_stale_namespaces()
    return chosen
