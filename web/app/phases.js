// The sale's phases (선예매, then 일반예매): which one it is, until when, what comes next, and
// for a members-only phase the member-code entry. The concert's "salePhases", "currentPhase" and
// "nextPhaseOpensAt" say it all; the live map's delta with a "phase" tells the page that the
// turn passed, and a timer reloads the concert at the next opening or close in case the socket
// is down. Uses app.js's helpers ($, T, api, say, explain, state, zoneOf).
"use strict";

const Phases = (() => {
  let timer = null;
  let membership = null;  // {concertId, member, via} for the signed-in fan, or null

  function current(c) {
    return c && c.salePhases && c.salePhases.length ? c.salePhases[c.currentPhase] : null;
  }

  // The concert again when the turn passes (its phase, limit, waiting room).
  function schedule(c, reload) {
    clearTimeout(timer);
    const p = current(c);
    if (!p) return;
    const now = Date.now();
    const next = [Date.parse(p.opensAt), Date.parse(p.closesAt), Date.parse(c.nextPhaseOpensAt || "")]
      .filter((t) => t > now).sort((a, b) => a - b)[0];
    // Timers past 24 days overflow; the page is reloaded long before.
    if (next && next - now < 2 ** 31) timer = setTimeout(reload, next - now + 250);
  }

  function render(c) {
    const panel = $("phase-panel"), p = current(c);
    panel.hidden = !p;
    if (!p) return;
    const zone = zoneOf(c), now = Date.now();
    const open = Date.parse(p.opensAt) <= now;
    const who = p.membersOnly ? T("phase.membersOnly") : T("phase.everyone");
    $("phase-now").textContent = open
      ? T("phase.now", { name: p.name, who, until: I18N.time(p.closesAt, zone) })
      : T("phase.opens", { name: p.name, who, when: I18N.time(p.opensAt, zone) });
    const later = c.salePhases.slice(c.currentPhase + 1).find((q) => Date.parse(q.opensAt) > now);
    $("phase-next").hidden = !later;
    if (later)
      $("phase-next").textContent = T("phase.next", {
        name: later.name, when: I18N.time(later.opensAt, zone), max: later.maxSeatsPerUser,
        who: later.membersOnly ? T("phase.membersOnly") : T("phase.everyone"),
      });
    const asks = p.membersOnly && !!state.auth;
    const mine = membership && membership.concertId === c.id ? membership : null;
    $("member-form").hidden = !asks || !mine || mine.member;
    const line = $("member-state");
    line.hidden = !p.membersOnly;
    if (!state.auth) line.textContent = T("phase.memberLogin");
    else if (mine && mine.member) line.textContent = T("phase.member." + mine.via);
    else if (mine) line.textContent = T("phase.memberNo");
    else line.textContent = "";
    line.className = mine && mine.member ? "ok" : "";
  }

  // Whether the signed-in fan is on this concert's list (only asked when a phase needs it).
  async function load(c) {
    membership = null;
    if (!state.auth || !c || !(c.salePhases || []).some((p) => p.membersOnly)) return render(c);
    const { res, data } = await api("GET", `/api/v1/concerts/${c.id}/membership`);
    if (state.concert !== c) return;
    membership = res.ok ? data : null;
    render(c);
  }

  async function claim(ev) {
    ev.preventDefault();
    const c = state.concert, input = $("member-code"), button = $("member-submit");
    const code = input.value.trim();
    if (!c || !code) return input.focus();
    button.disabled = true;
    try {
      const { res, data } = await api("POST", `/api/v1/concerts/${c.id}/membership`, { code });
      if (state.concert !== c) return;
      if (res.ok) {
        membership = data;
        input.value = "";
        say(T("phase.member." + data.via));
      } else {
        say(explain(res, data, "action.memberCode"), "error");
        input.focus();
        input.select();
      }
      render(c);
    } finally {
      button.disabled = false;
    }
  }

  function setup(reload) {
    $("member-form").addEventListener("submit", claim);
    return {
      show(c) { render(c); schedule(c, reload); load(c); },
      render,
      hide() { clearTimeout(timer); membership = null; $("phase-panel").hidden = true; },
    };
  }

  return { setup, current };
})();
