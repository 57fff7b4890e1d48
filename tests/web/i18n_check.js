// The pages' words in both languages (web/app/i18n.js):
//   - every key of ko exists in en and the other way round (ui, notices, errors);
//   - every key the page uses (T("..."), data-i18n*="...") exists;
//   - every problem code and notification kind the server can send has a sentence: the codes are
//     read from the server's sources (string literals of upper-case words joined by "_").
//   node i18n_check.js <repository root>
// Prints what is missing and exits 1, or prints a summary and exits 0.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const root = process.argv[2] || path.join(__dirname, "../..");
const read = (p) => fs.readFileSync(path.join(root, p), "utf8");

// i18n.js runs in a sandbox with just enough of a browser.
const sandbox = { navigator: { languages: ["ko-KR"] }, localStorage: { getItem: () => null, setItem() {} },
                  document: { querySelectorAll: () => [], documentElement: {} }, Intl };
vm.createContext(sandbox);
vm.runInContext(read("web/app/i18n.js") + "\nthis.MESSAGES = MESSAGES;", sandbox);
const M = sandbox.MESSAGES;
const problems = [];

for (const part of ["ui", "notices", "errors"])
  for (const [a, b] of [["ko", "en"], ["en", "ko"]])
    for (const key of Object.keys(M[a][part]))
      if (!(key in M[b][part])) problems.push(`${part}.${key}: in ${a}, not in ${b}`);

// Keys the page uses.
const pageText = ["app.js", "hall.js", "pow.js", "phases.js", "index.html", "checkin.js", "checkin.html", "admin.js", "admin.html"].map((f) => read("web/app/" + f)).join("\n");
const used = new Set();
for (const m of pageText.matchAll(/\bT\("([\w.]+)"/g)) if (!m[1].endsWith(".")) used.add(m[1]);
for (const m of pageText.matchAll(/data-i18n(?:-placeholder|-label|-title)?="([\w.]+)"/g)) used.add(m[1]);
for (const m of pageText.matchAll(/\bT\("([\w.]+)\." \+/g)) used.add(m[1] + ".*");  // a computed key
for (const key of used) {
  if (key.endsWith(".*")) {
    const prefix = key.slice(0, -1);
    if (!Object.keys(M.ko.ui).some((k) => k.startsWith(prefix))) problems.push(`ui ${key}: no key at all`);
  } else if (!(key in M.ko.ui)) problems.push(`ui.${key}: used by the page, not defined`);
}
// The computed families the page builds: every value it can build exists.
for (const s of ["ON_SALE", "SCHEDULED", "BETWEEN_PHASES", "CLOSED"])  // SalesStatusOf's answers
  if (!(`status.${s}` in M.ko.ui)) problems.push(`ui.status.${s}: missing`);
for (const s of ["A", "H", "S"]) if (!(`seat.${s}` in M.ko.ui)) problems.push(`ui.seat.${s}: missing`);
for (const m of ["CARD", "EASY_PAY", "BANK_TRANSFER"])
  for (const k of [`pay.${m}`, `pay.note.${m}`]) if (!(k in M.ko.ui)) problems.push(`ui.${k}: missing`);

// Codes the server can answer or push, from its sources.
const sources = [];
for (const dir of ["api", "http", "auth", "live"])
  for (const f of fs.readdirSync(path.join(root, dir)))
    if (f.endsWith(".cc")) sources.push(read(path.join(dir, f)));
sources.push(read("engine/result_code.cc"));
const codes = new Set();
for (const text of sources)
  for (const m of text.matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|FORBIDDEN|REVOKED)"/g)) codes.add(m[1]);
// Words that are not answers: states and verdicts the page words itself.
const notAnswers = new Set(["BETWEEN_PHASES", "ON_SALE", "ADMITTED", "OFFER_ENDED", "PAYMENT_PENDING", "CHECKED_IN"]);
for (const code of codes) {
  if (notAnswers.has(code)) continue;
  for (const lang of ["ko", "en"])
    if (!(code in M[lang].errors) && !(code in M[lang].notices))
      problems.push(`${code}: the server can send it; ${lang} has no sentence for it`);
}

if (problems.length) {
  console.log(problems.join("\n"));
  process.exit(1);
}
console.log(`i18n: ${Object.keys(M.ko.ui).length} page strings, ${Object.keys(M.ko.errors).length} problem codes, ` +
            `${Object.keys(M.ko.notices).length} notifications, ${codes.size} server codes checked, in ko and en`);
