// Redaction regions drawn on the picture: drag to add an area (written into the typed
// x,y,w,h list, which stays the form's field and works without this script); the face
// finder's boxes are drawn too, each with a remove control. A removed box is sent in the
// form's "removed_faces" list: the server finds the faces again, leaves the ones the
// reviewer removed unblurred, and the redaction record keeps apart the faces found and
// blurred, the faces removed by the reviewer and the areas marked by hand.
"use strict";
(function () {
  const box = document.querySelector("[data-draw]");
  if (!box) { return; }
  const form = box.closest("form");
  const list = form.querySelector("textarea[name=regions]");
  const removedList = form.querySelector("textarea[name=removed_faces]");
  const stage = box.querySelector(".draw-stage");
  const img = stage.querySelector("img");
  const status = box.querySelector(".draw-status");
  let full = null;  // {width, height} of the picture as displayed, in its own pixels
  let faces = [];   // [{x, y, w, h, removed}]
  let dragging = null;

  function say(text) { status.textContent = text; }
  function lines() {
    return list.value.split("\n").map(function (line, index) {
      const v = line.replace(/;/g, ",").split(/[,\s]+/).filter(Boolean).map(Number);
      return v.length === 4 && v.every(isFinite) ? { x: v[0], y: v[1], w: v[2], h: v[3], line: index } : null;
    }).filter(Boolean);
  }
  function place(el, r) {
    el.style.left = (100 * r.x / full.width) + "%";
    el.style.top = (100 * r.y / full.height) + "%";
    el.style.width = (100 * r.w / full.width) + "%";
    el.style.height = (100 * r.h / full.height) + "%";
  }
  function removeButton(label, act) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "box-remove";
    b.textContent = "×";
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("pointerdown", function (e) { e.stopPropagation(); });
    b.addEventListener("click", function (e) { e.preventDefault(); act(); });
    return b;
  }
  function draw() {
    if (!full) { return; }
    stage.querySelectorAll(".box").forEach(function (el) { el.remove(); });
    faces.forEach(function (f) {
      if (f.removed) { return; }
      const el = document.createElement("div");
      el.className = "box face";
      place(el, f);
      el.appendChild(removeButton(box.dataset.removeFace, function () {
        f.removed = true; say(box.dataset.removed); draw();
      }));
      stage.appendChild(el);
    });
    lines().forEach(function (r) {
      const el = document.createElement("div");
      el.className = "box area";
      place(el, r);
      el.appendChild(removeButton(box.dataset.removeArea, function () {
        const all = list.value.split("\n");
        all.splice(r.line, 1);
        list.value = all.join("\n");
        draw();
      }));
      stage.appendChild(el);
    });
  }
  function at(e) {
    const rect = img.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - rect.left, 0), rect.width);
    const y = Math.min(Math.max(e.clientY - rect.top, 0), rect.height);
    return { x: x * full.width / rect.width, y: y * full.height / rect.height };
  }
  stage.addEventListener("pointerdown", function (e) {
    if (!full || e.button !== 0) { return; }
    e.preventDefault();
    stage.setPointerCapture(e.pointerId);
    const start = at(e);
    const el = document.createElement("div");
    el.className = "box area drawing";
    stage.appendChild(el);
    dragging = { start: start, el: el };
  });
  stage.addEventListener("pointermove", function (e) {
    if (!dragging) { return; }
    const p = at(e);
    const s = dragging.start;
    place(dragging.el, { x: Math.min(s.x, p.x), y: Math.min(s.y, p.y), w: Math.abs(p.x - s.x), h: Math.abs(p.y - s.y) });
  });
  stage.addEventListener("pointerup", function (e) {
    if (!dragging) { return; }
    const p = at(e);
    const s = dragging.start;
    dragging.el.remove();
    dragging = null;
    const r = [Math.min(s.x, p.x), Math.min(s.y, p.y), Math.abs(p.x - s.x), Math.abs(p.y - s.y)].map(Math.round);
    if (r[2] < 4 || r[3] < 4) { return; }
    list.value = (list.value.trim() ? list.value.replace(/\s*$/, "\n") : "") + r.join(",");
    draw();
  });
  list.addEventListener("input", draw);
  form.addEventListener("submit", function () {
    if (!removedList) { return; }
    removedList.value = faces.filter(function (f) { return f.removed; })
      .map(function (f) { return [f.x, f.y, f.w, f.h].join(","); }).join("\n");
  });
  function foundText(n) {
    const words = window.civwatchT;
    return n && words ? words.tn("faces-found", n) + " " + box.dataset.found : box.dataset.found;
  }
  box.hidden = false;
  say(box.dataset.finding);
  fetch(box.dataset.faces, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (doc) {
      full = { width: doc.width, height: doc.height };
      faces = doc.faces.map(function (f) { return { x: f.x, y: f.y, w: f.w, h: f.h, removed: false }; });
      say(faces.length ? foundText(faces.length) : box.dataset.none);
      draw();
    })
    .catch(function () {
      say(box.dataset.failed);
    });
})();
