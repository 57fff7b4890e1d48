// The proof of work a concert may ask before a queue join or a hold (its "proofOfWork").
// ALTCHA's widget (npm `altcha`, served from /app/) fetches the challenge and solves it in Web
// Workers while the fan looks at the hall: no picture to read, so nobody is shut out the way an
// image 보안문자 shuts out blind users. Each solution is good for one request; once one is
// spent, the next is solved in the background.
"use strict";

const Pow = (() => {
  let widget = null, box = null, payload = null, shown = null;
  let waiters = [];

  function settle(value) {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve(value);
  }

  function onState(e) {
    const s = e.detail && e.detail.state;
    if (s === "verified") {
      payload = e.detail.payload;
      settle(payload);
    } else if (s === "error" || s === "expired") {
      payload = null;
      settle(null);
    }
  }

  // The widget's script is a module (it runs after this one): wait for it, a few seconds at most.
  function loaded() {
    if (customElements.get("altcha-widget")) return Promise.resolve(true);
    return Promise.race([customElements.whenDefined("altcha-widget").then(() => true),
                         new Promise((resolve) => setTimeout(() => resolve(false), 5000))]);
  }

  function drop() {
    if (widget) widget.remove();
    widget = null;
    payload = null;
    settle(null);
  }

  // Shows the widget where the concert asks its proof (`places`: askedAt -> the element to put it
  // before) when signed in; hides it otherwise. `authFetch` adds the bearer token.
  async function setup(concert, signedIn, places, authFetch, lang) {
    const p = concert && concert.proofOfWork;
    const wanted = p && signedIn ? concert.id + ":" + p.askedAt : null;
    box ||= document.getElementById("pow-box");
    if (wanted === shown) return;
    shown = wanted;
    drop();
    box.hidden = !wanted;
    if (!wanted) return;
    places[p.askedAt].before(box);
    if (!await loaded()) {
      document.getElementById("pow-hint").textContent = I18N.t("pow.unavailable");
      return;
    }
    if (shown !== wanted) return;  // another concert opened meanwhile
    globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker("/app/altcha-pbkdf2.js"));
    globalThis.$altcha.defaults.set("fetch", authFetch);
    widget = document.createElement("altcha-widget");
    widget.id = "pow-widget";
    widget.setAttribute("challenge", p.challenge);
    widget.setAttribute("auto", "onload");
    widget.setAttribute("language", lang);
    widget.addEventListener("statechange", onState);
    box.append(widget);
  }

  // Whether a request at `askedAt` of the shown concert needs a solution.
  function asks(concert, askedAt) {
    return !!(concert && concert.proofOfWork && concert.proofOfWork.askedAt === askedAt);
  }

  // A solution for one request (waiting for the widget if it is still solving), or null. With
  // `another`, the next one starts at once (holds come one after another; a join is once).
  async function take(another) {
    if (!widget || typeof widget.verify !== "function") return null;
    let p = payload;
    if (!p) {
      const waiting = new Promise((resolve) => waiters.push(resolve));
      if (widget.getState() !== "verifying") widget.verify();
      p = await waiting;
    }
    payload = null;
    widget.reset();
    if (p && another) widget.verify();
    return p;
  }

  function setLanguage(lang) {
    if (widget && typeof widget.configure === "function") widget.configure({ language: lang });
  }

  return { setup, asks, take, setLanguage };
})();
