// The waiting room's proof checked on this device, with the browser's own SHA-256 and HMAC
// (WebCrypto), from the rules in docs/architecture.md ("The waiting room's proof"): the seed
// against its commitment, the order recomputed from the seed and the entries, the key against
// its commitment once published, and where the fan's own entry was drawn. A third verifier,
// beside `concertmania queue verify` and the tests' Python one, sharing no code with either.
"use strict";

const DrawCheck = (() => {
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
  const isHex = (h, digits) => typeof h === "string" && new RegExp(`^[0-9a-f]{${digits}}$`).test(h);
  function join(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }
  const sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));

  // Whether this browser can check (WebCrypto needs a secure context: HTTPS or this machine).
  const available = () => !!(window.crypto && crypto.subtle);

  // The concert id as 8 big-endian bytes, then the phase as one.
  function tail(concertId, phase) {
    const t = new Uint8Array(9);
    let id = BigInt(concertId);
    for (let i = 7; i >= 0; --i) {
      t[i] = Number(id & 255n);
      id >>= 8n;
    }
    t[8] = phase;
    return t;
  }

  // {ok, why?, entries, position?, owned?}: position is where `entry` was drawn (1 = first);
  // owned whether the published key makes `entry` the pseudonym of `account`.
  async function check(proof, entry, account, onProgress) {
    if (!proof || proof.format !== "concertmania-queue-proof/1") return { ok: false, why: "format" };
    const { seed, commitment, keyCommitment, entries, order, concertId, phase } = proof;
    if (!Number.isSafeInteger(concertId) || concertId < 0 || !Number.isInteger(phase) ||
        phase < 0 || phase > 7 || !isHex(seed, 64) || !isHex(commitment, 64) ||
        !isHex(keyCommitment, 64) || !Array.isArray(entries) || !Array.isArray(order) ||
        !entries.every((e) => isHex(e, 32)) || new Set(entries).size !== entries.length ||
        !("pseudonymKey" in proof) ||
        (proof.pseudonymKey !== null && !isHex(proof.pseudonymKey, 64)))
      return { ok: false, why: "format" };
    const end = tail(proof.concertId, proof.phase);
    const seedBytes = fromHex(seed);
    if (hex(await sha256(join(seedBytes, end))) !== commitment) return { ok: false, why: "seed" };
    // Ranks in slices, so a big room keeps the page alive and shows how far it is.
    const ranked = [];
    for (let i = 0; i < entries.length; i += 2000) {
      const slice = entries.slice(i, i + 2000);
      const digests = await Promise.all(slice.map((e) => sha256(join(seedBytes, fromHex(e)))));
      slice.forEach((e, k) => ranked.push(hex(digests[k].subarray(0, 8)) + e));
      if (onProgress) onProgress(Math.min(1, (i + slice.length) / entries.length));
    }
    ranked.sort();  // lower-case hex compares as the bytes do
    if (ranked.length !== order.length || ranked.some((r, i) => r.slice(16) !== order[i]))
      return { ok: false, why: "order" };
    const result = { ok: true, entries: entries.length };
    if (entry) {
      const at = order.indexOf(entry);
      if (at >= 0) result.position = at + 1;
    }
    if (proof.pseudonymKey !== null) {
      const key = fromHex(proof.pseudonymKey);
      if (hex(await sha256(join(key, end))) !== keyCommitment) return { ok: false, why: "key" };
      if (entry && account) {
        const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" },
                                                      false, ["sign"]);
        const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey,
                                                            new TextEncoder().encode(String(account))));
        result.owned = hex(mac.subarray(0, 16)) === entry;
      }
    }
    return result;
  }

  return { available, check };
})();
