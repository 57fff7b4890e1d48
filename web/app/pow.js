// The proof of work a concert may ask before a queue join or a hold (its "proofOfWork").
// ALTCHA's widget (npm `altcha`, served from /app/) fetches the challenge and solves it in Web
// Workers while the fan looks at the hall: no picture to read, so nobody is shut out the way an
// image 보안문자 shuts out blind users. Each solution is good for one request; once one is
// spent, the next is solved in the background.
"use strict";

const Pow = (() => {
  let widget = null, box = null, payload = null, concertId = null, step = null;
  let waiters = [];

  function ready() { return typeof globalThis.$altcha === "object" && !!customElements.get("altcha-widget"); }

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

  // Shows the widget where the concert asks its proof (`places`: askedAt -> the element to put it
  // before) when signed in; hides it otherwise. `authFetch` adds the bearer token.
  function setup(concert, signedIn, places, authFetch, lang) {
    const p = concert && concert.proofOfWork;
    const wanted = p && signedIn ? concert.id + ":" + p.askedAt : null;
    if (!box) box = document.getElementById("pow-box");
    if (!wanted) {
      box.hidden = true;
      concertId = step = null;
      payload = null;
      settle(null);
      return;
    }
    const before = places[p.askedAt];
    if (box.nextElementSibling !== before) before.before(box);
    box.hidden = false;
    if (!ready()) {
      document.getElementById("pow-hint").textContent = I18N.t("pow.unavailable");
      return;
    }
    if (wanted === concertId + ":" + step && widget) return;
    concertId = concert.id;
    step = p.askedAt;
    payload = null;
    settle(null);
    globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker("/app/altcha-pbkdf2.js"));
    if (widget) widget.remove();
    widget = document.createElement("altcha-widget");
    widget.id = "pow-widget";
    box.append(widget);
    widget.addEventListener("statechange", onState);
    widget.configure({
      challenge: p.challenge,
      fetch: authFetch,
      language: lang,
      auto: "onload",
      hideLogo: false,
    });
  }

  // Whether a request at `askedAt` of the shown concert needs a solution.
  function asks(concert, askedAt) {
    return !!(concert && concert.proofOfWork && concert.proofOfWork.askedAt === askedAt);
  }

  // A solution for one request (waiting for the widget if it is still solving), or null. The
  // next one starts at once.
  async function take() {
    if (!widget) return null;
    let p = payload;
    if (!p) {
      const waiting = new Promise((resolve) => waiters.push(resolve));
      const s = widget.getState();
      if (s !== "verifying") widget.verify();
      p = await waiting;
    }
    payload = null;
    if (p) {
      widget.reset();
      widget.verify();
    }
    return p;
  }

  function setLanguage(lang) { if (widget) widget.configure({ language: lang }); }

  return { setup, asks, take, setLanguage };
})();
