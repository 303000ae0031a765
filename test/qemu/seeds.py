# SPDX-License-Identifier: MIT
"""Seeds of the randomised tests: every one prints the seed it runs with,
and takes one to repeat a run.

The seed comes from --seed N, else from the environment's CAIRN_SEED, else
the test's default: a fixed one for the tests `make test` runs (so they
make the same choices every time), a fresh one for `make soak` (so every
soak explores new ground). The seed fixes the test's own choices; QEMU's
timing is not under its control, so a rerun repeats what was chosen, not
every instant of it.

  add_option(ap)                 --seed on an argparse parser
  choose(name, opt_seed, default)  the seed, printed as "<name>: seed N (...)"
"""
import os
import random

ENV = "CAIRN_SEED"


def add_option(ap, default_help="a fixed one"):
    ap.add_argument("--seed", type=int, default=None,
                    help=f"seed of the random choices (default: ${ENV}, else {default_help})")


def choose(name, opt_seed, default=None):
    """The seed to run with: opt_seed, else $CAIRN_SEED, else default, else
    a fresh one. Printed, with where it came from."""
    if opt_seed is not None:
        seed, origin = opt_seed, "--seed"
    elif os.environ.get(ENV, "").strip():
        try:
            seed, origin = int(os.environ[ENV], 0), ENV
        except ValueError:
            raise SystemExit(f"{name}: {ENV}={os.environ[ENV]!r} is not a number")
    elif default is not None:
        seed, origin = default, "the default"
    else:
        seed, origin = random.SystemRandom().randrange(1 << 32), "fresh"
    print(f"{name}: seed {seed} ({origin}; repeat with --seed {seed} or {ENV}={seed})",
          flush=True)
    return seed
