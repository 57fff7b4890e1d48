// The page's own proof checker (web/app/draw_check.js) run in Node with Node's WebCrypto, so the
// tests can hold it to the same proofs as `concertmania queue verify` and the Python verifier:
//
//   node draw_check_node.js PROOF.json [ENTRY] [ACCOUNT]
//
// Prints the checker's result as one JSON line; exits 0 when the proof holds, 1 when not.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { webcrypto } = require("crypto");

const [file, entry, account] = process.argv.slice(2);
const context = { window: { crypto: webcrypto }, crypto: webcrypto, TextEncoder, BigInt, Promise,
                  Uint8Array, Array, Math, RegExp, String, Number, JSON };
vm.createContext(context);
const source = fs.readFileSync(path.join(__dirname, "../../web/app/draw_check.js"), "utf8");
vm.runInContext(source + "\nthis.DrawCheck = DrawCheck;", context);
(async () => {
  const proof = JSON.parse(fs.readFileSync(file, "utf8"));
  const result = await context.DrawCheck.check(proof, entry || null, account || null);
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})().catch((e) => {
  console.log(JSON.stringify({ ok: false, why: String(e) }));
  process.exit(2);
});
