// The proof of work a concert may ask before a queue join or a hold (its "proofOfWork").
// ALTCHA's widget (npm `altcha`, served from /app/) fetches the challenge and solves it in Web
// Workers while the fan looks at the hall: no picture to read, so nobody is shut out the way an
// image 보안문자 shuts out blind users. Each solution is good for one request; once one is
// spent, the next is solved in the background.
"use strict";

const Pow = (() => {
  let widget = null, box = null, payload = null, shown = null;
  let waiters = [];  // each take() waiting gets a solution of its own, in turn

  function onState(e) {
    const s = e.detail && e.detail.state;
    if (e.currentTarget !== widget) return;  // one dropped since
    if (s === "verified") {
      const next = waiters.shift();
      if (!next) return void (payload = e.detail.payload);
      next(e.detail.payload);
      if (waiters.length) { widget.reset(); widget.verify(); }
    } else if (s === "expired") {
      payload = null;  // the server decides on expiry; a phone's clock may run ahead
    } else if (s === "error") {
      payload = null;
      const w = waiters;
      waiters = [];
      for (const resolve of w) resolve(null);
    }
  }

  function drop() {
    if (widget) widget.remove();
    widget = null;
    payload = null;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve(null);
  }

  function mount(p, lang) {
    globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker("/app/altcha-pbkdf2.js"));
    widget = document.createElement("altcha-widget");
    widget.id = "pow-widget";
    widget.setAttribute("challenge", p.challenge);
    widget.setAttribute("auto", "onload");
    widget.setAttribute("language", lang);
    widget.addEventListener("statechange", onState);
    box.append(widget);
  }

  // Shows the widget where the concert asks its proof (`places`: askedAt -> the element to put it
  // before) when signed in; hides it otherwise. `authFetch` adds the bearer token.
  function setup(concert, signedIn, places, authFetch, lang) {
    const p = concert && concert.proofOfWork;
    const wanted = p && signedIn ? concert.id + ":" + p.askedAt : null;
    box ||= document.getElementById("pow-box");
    if (wanted === shown) return;
    shown = wanted;
    drop();
    box.hidden = !wanted;
    if (!wanted) return;
    places[p.askedAt].before(box);
    const hint = document.getElementById("pow-hint");
    hint.textContent = I18N.t("pow.hint");
    // The widget's script is a module, run after this one and perhaps slow to arrive on a phone:
    // mounted whenever it is defined, with a word meanwhile if that takes long.
    const slow = setTimeout(() => { hint.textContent = I18N.t("pow.unavailable"); }, 8000);
    customElements.whenDefined("altcha-widget").then(() => {
      clearTimeout(slow);
      if (shown !== wanted || widget) return;  // another concert opened meanwhile
      hint.textContent = I18N.t("pow.hint");
      globalThis.$altcha.defaults.set("fetch", authFetch);
      mount(p, lang);
    });
  }

  // Whether a request at `askedAt` of the shown concert needs a solution.
  function asks(concert, askedAt) {
    return !!(concert && concert.proofOfWork && concert.proofOfWork.askedAt === askedAt);
  }

  // A solution for one request (waiting for the widget if it is still solving), or null when
  // none could be had (the widget failed, or the fan left the concert meanwhile). With `another`,
  // the next one starts at once (holds come one after another; a join is once).
  async function take(another) {
    const w = widget;
    if (!w || typeof w.verify !== "function") return null;
    let p = payload;
    payload = null;
    if (!p) {
      const mine = new Promise((resolve) => waiters.push(resolve));
      if (w.getState() !== "verifying") { w.reset(); w.verify(); }
      p = await mine;
    }
    if (w !== widget) return null;
    if (!waiters.length && w.getState() !== "verifying") {
      w.reset();
      if (p && another) w.verify();
    }
    return p;
  }

  function setLanguage(lang) {
    if (widget && typeof widget.configure === "function") widget.configure({ language: lang });
  }

  return { setup, asks, take, setLanguage };
})();
