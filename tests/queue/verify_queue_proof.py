#!/usr/bin/env python3
"""Checks a Concert Mania waiting room's opening proof with nothing but Python's standard
library, from the rules in docs/architecture.md ("The waiting room's proof"). It shares no code
with the server or with `concertmania queue verify`; the tests run both on the same proofs and
check that they agree.

    verify_queue_proof.py PROOF.json [--user ACCOUNT_ID] [--print-order]

Exit 0: the proof holds; 1: it does not (why on stderr); 2: the file cannot be read.
"""
import hashlib
import hmac
import json
import sys


def refuse(why):
    print("REFUSED: " + why, file=sys.stderr)
    return 1


def main(argv):
    args = argv[1:]
    print_order = "--print-order" in args
    args = [a for a in args if a != "--print-order"]
    user = None
    if "--user" in args:
        i = args.index("--user")
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
    if proof.get("format") != "concertmania-queue-proof/1":
        return refuse("not a concertmania-queue-proof/1 document")
    try:
        seed = bytes.fromhex(proof["seed"])
        commitment = bytes.fromhex(proof["commitment"])
        concert = int(proof["concertId"])
        entries = [bytes.fromhex(e) for e in proof["entries"]]
        order = list(proof["order"])
    except (KeyError, TypeError, ValueError):
        return refuse("a field is missing or malformed")
    if len(seed) != 32 or len(commitment) != 32 or any(len(e) != 16 for e in entries):
        return refuse("wrong sizes: a seed and a commitment of 32 bytes, entries of 16")
    if len(set(entries)) != len(entries):
        return refuse("an entry appears twice")

    # 1. The commitment: SHA-256 of the seed and the concert id as 8 big-endian bytes.
    if hashlib.sha256(seed + concert.to_bytes(8, "big")).digest() != commitment:
        return refuse("the seed does not match the commitment")

    # 2. The order: entries sorted by the first 8 bytes of SHA-256(seed + entry), then by entry.
    recomputed = sorted(entries, key=lambda e: (hashlib.sha256(seed + e).digest()[:8], e))
    recomputed = [e.hex() for e in recomputed]
    if print_order:
        print("\n".join(recomputed))
    if order != recomputed:
        return refuse("the order is not the one the seed and the entries give")
    print(f"OK: the commitment matches the seed, and the {len(entries)} entries are in the "
          "order the seed gives", file=sys.stderr)

    # 3. An account's own entry: the first 16 bytes of HMAC-SHA256(key, the id in decimal).
    if user is None:
        return 0
    if proof.get("pseudonymKey") is None:
        print("the pseudonym key is published once the sale is over", file=sys.stderr)
        return 0
    key = bytes.fromhex(proof["pseudonymKey"])
    mine = hmac.new(key, str(user).encode(), hashlib.sha256).digest()[:16].hex()
    if mine not in recomputed:
        print(f"account {user}: entry {mine} is not among the entries")
        return 1
    print(f"account {user}: entry {mine}, drawn {recomputed.index(mine) + 1} of {len(recomputed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
