"""No leaks under repeated calls: the resident set size stays flat over a loop of builds,
certifications, verifications, array accesses, from_arrays and simulations.

Tolerance: 8 MiB over 200 iterations after a 40-iteration warm-up (allocator pools and caches fill
during the warm-up). Each iteration handles a 128-unit network, whose dense W, L, B and M arrays
are 128 KiB each, so leaking any one of them (or a network, a certificate, a trajectory) grows the
RSS by 25 MiB or more; anything that leaks more than about 41 KiB per iteration fails."""

import gc
import os

import numpy as np

import roro

TOLERANCE_BYTES = 8 << 20


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def one_round(i):
    net = roro.build("8x16", topology="gw", hubs=1, seed=i % 7, alpha=0.05)
    cert = roro.certify(net)
    assert cert.certified and roro.verify(net, cert)
    total = float(net.W.sum() + net.L.sum() + net.metric.sum() + net.B.sum() + net.W_in.sum())
    total += sum(float(m.metric.sum()) for m in cert.modules)
    copy = roro.from_arrays(W_blocks=[m.weights for m in net.modules], B=net.B, M=net.metric, alpha=0.05)
    result = roro.simulate(copy, np.ones((20, 4, 1), np.float32))
    return total + float(result.states.sum()) + len(cert.full_report()) + len(net.to_json())


def test_rss_is_flat_over_repeated_builds_and_certifications():
    for i in range(40):
        one_round(i)
    gc.collect()
    before = resident_bytes()
    for i in range(200):
        one_round(i)
    gc.collect()
    growth = resident_bytes() - before
    assert growth < TOLERANCE_BYTES, f"RSS grew by {growth / 2**20:.1f} MiB over 200 rounds"
