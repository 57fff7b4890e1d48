// The hall's plan as fans see it, drawn from the layout the server writes (views/venue_layout.h):
// the stage and every section where it stands. One renderer for the booking page's overview
// (hall.js) and the admin console's venue preview (admin.js), so what an operator draws is what
// a fan sees. Sections are <g class="hall-section" data-section=k>, their shape first; the
// caller colours them.
"use strict";

const HallPlan = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function node(tag, attributes) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attributes)) n.setAttribute(k, v);
    return n;
  }

  const pointsOf = (outline) => outline.map(([x, y]) => `${x},${y}`).join(" ");

  // Math.min(...xs) overflows the stack on a big enough array.
  function minMax(values) {
    let min = Infinity, max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return [min, max];
  }

  // The plan `L` ({stage, sections: [{name, outline, ...}], bounds}) as an <svg>; `stageLabel`
  // is written on the stage, `hallLabel` names the image.
  function draw(L, { stageLabel, hallLabel }) {
    // Everything in proportion to the hall, whatever unit its coordinates use.
    const b = L.bounds, span = Math.max(b.maxX - b.minX, b.maxY - b.minY, 1), pad = span * 0.06;
    let stage, stageText;
    if (L.stage.outline) {
      const o = L.stage.outline, n = o.length;
      stage = node("polygon", { points: pointsOf(o), class: "hall-stage" });
      const ys = o.map((p) => p[1]);
      stageText = { x: o.reduce((s, p) => s + p[0], 0) / n, y: (Math.min(...ys) + Math.max(...ys)) / 2,
                    size: Math.min(span / 22, (Math.max(...ys) - Math.min(...ys)) * 0.5) };
    } else {
      // No stage on the plan: a block centred on the origin, never over the nearest seats.
      const nearest = minMax(L.sections.flatMap((x) => x.outline.map((p) => p[1])))[0];
      const height = span * 0.08, width = span * 0.3;
      const bottom = Math.min(L.stage.y + height / 2, nearest - span * 0.02);
      stage = node("rect", { x: L.stage.x - width / 2, y: bottom - height, width, height, rx: height / 4,
                             class: "hall-stage" });
      stageText = { x: L.stage.x, y: bottom - height / 2, size: height * 0.55 };
    }
    const top = Math.min(b.minY, stageText.y - stageText.size) - pad;
    const svg = node("svg", { viewBox: `${b.minX - pad} ${top} ${b.maxX - b.minX + 2 * pad} ${b.maxY + pad - top}`,
                              role: "img", "aria-label": hallLabel });
    const label = node("text", { x: stageText.x, y: stageText.y, class: "hall-stage-text", "font-size": stageText.size });
    label.textContent = stageLabel;
    svg.append(stage, label);
    L.sections.forEach((section, k) => {
      const g = node("g", { class: "hall-section" });
      g.dataset.section = k;
      const shape = node(section.outline.length >= 3 ? "polygon" : "polyline", { points: pointsOf(section.outline) });
      const n = section.outline.length || 1;
      const name = node("text", { x: section.outline.reduce((s, p) => s + p[0], 0) / n,
                                  y: section.outline.reduce((s, p) => s + p[1], 0) / n,
                                  "font-size": span / 28, class: "hall-label" });
      name.textContent = section.name;
      g.append(shape, name);
      svg.append(g);
    });
    return svg;
  }

  // Every seat of `plans` (one per section: {rows: [{label, seats: [[id, number, grade, x, y,
  // attributes?]]}]}, as GET .../layout?section= gives it) on the drawn plan, a dot in its grade's
  // colour (`colourOf(grade)`), classed by its attributes ("seat-WHEELCHAIR", ...).
  function drawSeats(svg, L, plans, colourOf) {
    const b = L.bounds, span = Math.max(b.maxX - b.minX, b.maxY - b.minY, 1);
    let pitch = Infinity;
    for (const plan of plans)
      for (const row of plan.rows)
        for (let i = 1; i < row.seats.length; ++i)
          pitch = Math.min(pitch, Math.hypot(row.seats[i][3] - row.seats[i - 1][3], row.seats[i][4] - row.seats[i - 1][4]) || Infinity);
    const r = Math.max(Number.isFinite(pitch) ? pitch * 0.4 : span / 100, span / 400);
    const layer = node("g", { class: "plan-seats" });
    for (const plan of plans)
      for (const row of plan.rows)
        for (const [id, number, grade, x, y, attributes] of row.seats) {
          const dot = node("circle", { cx: x, cy: y, r, fill: colourOf(grade), class: "plan-seat" });
          dot.dataset.seat = id;
          dot.dataset.label = `${plan.name} ${row.label}-${number}`;
          for (const a of attributes || []) dot.classList.add("seat-" + a);
          layer.append(dot);
        }
    svg.append(layer);
    return layer;
  }

  return { draw, drawSeats, minMax };
})();
