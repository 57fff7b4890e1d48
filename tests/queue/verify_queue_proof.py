#!/usr/bin/env python3
"""Checks a Concert Mania waiting room's opening proof with nothing but Python's standard
library, from the rules in docs/architecture.md ("The waiting room's proof"). It shares no code
with the server or with `concertmania queue verify`; the tests run both on the same proofs and
check that they agree.

    verify_queue_proof.py PROOF.json [--user ACCOUNT_ID] [--print-order]

Exit 0: the proof holds; 1: it does not (why on stderr); 2: the file or the arguments cannot be
read.
"""
import hashlib
import hmac
import json
import re
import sys

HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")


def refuse(why):
    print("REFUSED: " + why, file=sys.stderr)
    return 1


def whole(value, lo, hi):
    """An integer in [lo, hi] (JSON's true and 5.0 are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def commits(secret, concert, phase, published):
    """SHA-256(secret || concert id as 8 bytes big-endian || phase as 1 byte) == published."""
    tail = concert.to_bytes(8, "big") + bytes([phase])
    return hashlib.sha256(secret + tail).hexdigest() == published


def main(argv):
    args = argv[1:]
    print_order = "--print-order" in args
    args = [a for a in args if a != "--print-order"]
    user = None
    if "--user" in args:
        i = args.index("--user")
        if i + 1 >= len(args) or not re.fullmatch(r"[1-9][0-9]{0,19}", args[i + 1]):
            print("--user takes an account id", file=sys.stderr)
            return 2
        user = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            proof = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{args[0]}: {e}", file=sys.stderr)
        return 2
    if not isinstance(proof, dict) or proof.get("format") != "concertmania-queue-proof/1":
        return refuse("not a concertmania-queue-proof/1 document")
    if "pseudonymKey" not in proof:
        return refuse("the pseudonym key is null until the sale is over, then 64 hex digits")
    concert, phase = proof.get("concertId"), proof.get("phase")
    seed, key = proof.get("seed"), proof.get("pseudonymKey")
    entries, order = proof.get("entries"), proof.get("order")
    if not whole(concert, 0, 2**64 - 1) or not whole(phase, 0, 7):
        return refuse("concertId and phase are whole numbers (phase 0 to 7)")
    if not all(isinstance(v, str) and HEX64.fullmatch(v)
               for v in (seed, proof.get("commitment"), proof.get("keyCommitment"))):
        return refuse("the seed and the commitments are 64 lower-case hex digits")
    if not isinstance(entries, list) or not all(
            isinstance(e, str) and HEX32.fullmatch(e) for e in entries):
        return refuse("the entries are 32 lower-case hex digits each")
    if not isinstance(order, list) or not all(isinstance(e, str) for e in order):
        return refuse("the order is a list of entries")
    if len(set(entries)) != len(entries):
        return refuse("an entry appears twice")
    seed = bytes.fromhex(seed)

    # 1. The commitments made before the first join: the seed's now, the key's once published.
    if not commits(seed, concert, phase, proof["commitment"]):
        return refuse("the seed does not match the commitment")
    if key is not None:
        if not isinstance(key, str) or not HEX64.fullmatch(key):
            return refuse("the pseudonym key is 64 lower-case hex digits")
        key = bytes.fromhex(key)
        if not commits(key, concert, phase, proof["keyCommitment"]):
            return refuse("the pseudonym key does not match its commitment")

    # 2. The order: entries sorted by the first 8 bytes of SHA-256(seed + entry), then by entry.
    raw = [bytes.fromhex(e) for e in entries]
    ranked = sorted(raw, key=lambda e: (hashlib.sha256(seed + e).digest()[:8], e))
    recomputed = [e.hex() for e in ranked]
    if print_order:
        print("\n".join(recomputed))
    if order != recomputed:
        return refuse("the order is not the one the seed and the entries give")
    print(f"OK: the commitment matches the seed, and the {len(entries)} entries are in the "
          "order the seed gives", file=sys.stderr)

    # 3. An account's own entry: the first 16 bytes of HMAC-SHA256(key, the id in decimal).
    if user is None:
        return 0
    if key is None:
        print("the pseudonym key is published once the sale is over", file=sys.stderr)
        return 0
    mine = hmac.new(key, str(user).encode(), hashlib.sha256).digest()[:16].hex()
    if mine not in recomputed:
        print(f"account {user}: entry {mine} is not among the entries")
        return 1
    print(f"account {user}: entry {mine}, drawn {recomputed.index(mine) + 1} of {len(recomputed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
