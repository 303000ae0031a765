# SPDX-License-Identifier: MIT
"""The Internet checksum (RFC 1071) for tests that build IPv4, ICMP and
UDP packets by hand: the ones' complement sum of 16-bit big-endian words
(an odd last byte padded with zero). A header is right when the sum over
it, its checksum field included, is 0xffff; the field is the complement
of the sum taken with it zero."""


def ones_sum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
