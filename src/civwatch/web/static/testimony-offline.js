// The testimony form on a phone without a network.
//
// What is kept on the phone, and how long:
// - the draft (localStorage "civwatch.testimony.draft"): the statement and the testimony's
//   own fields, never the witness's details (fields marked data-identity are left out);
//   removed once the testimony is sent;
// - the queue (localStorage "civwatch.testimony.queue"): testimonies sent while offline.
//   The witness's details in it are encrypted with AES-GCM under a key made for this page
//   (WebCrypto, not extractable) that exists only in the page's memory: it is never
//   written anywhere, so once the page is closed nobody - not even this page - can read
//   them from the phone. A queued testimony whose key is gone is put back in the form and
//   the interviewer types the witness's details again.
// Texts come translated in #testimony-app's data-texts.
(function () {
  "use strict";
  var DRAFT = "civwatch.testimony.draft";
  var QUEUE = "civwatch.testimony.queue";
  var app = document.getElementById("testimony-app");
  var form = document.getElementById("testimony-form");
  if (!app || !form || !window.crypto || !crypto.subtle || !window.localStorage) return;
  var texts = JSON.parse(app.dataset.texts);
  var status = document.getElementById("t-status");
  var csrf = form.querySelector("[name=csrf_token]").value;
  var pageKey = null; // lives only as long as this page
  var pageId = String(Date.now()) + Math.random().toString(36).slice(2);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/testimony/sw.js", { scope: "/testimony" });
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return values[key]; });
  }
  function say(text) { status.textContent = text; }
  function load(name, fallback) {
    try { return JSON.parse(localStorage.getItem(name)) || fallback; } catch (e) { return fallback; }
  }
  function identityFields() { return form.querySelectorAll("[data-identity]"); }
  function isIdentity(el) { return el.hasAttribute("data-identity"); }

  function ownFields() {
    var doc = { flags: [] };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || isIdentity(el)) return;
      if (el.name === "flags") { if (el.checked) doc.flags.push(el.value); } else { doc[el.name] = el.value; }
    });
    return doc;
  }
  function restore(doc) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || isIdentity(el) || !(el.name in doc)) return;
      if (el.name === "flags") { el.checked = doc.flags.indexOf(el.value) >= 0; } else { el.value = doc[el.name]; }
    });
  }
  function saveDraft() {
    localStorage.setItem(DRAFT, JSON.stringify(ownFields()));
    say(texts.draft);
  }
  function identity() {
    var f = {};
    identityFields().forEach(function (el) { f[el.name] = el.value; });
    return f;
  }
  function body(own, who) {
    var taken = own.taken_at ? new Date(own.taken_at).toISOString() : "";
    var contacts = (who.witness_contacts || "").split("\n").map(function (c) { return c.trim(); })
      .filter(function (c) { return c; });
    var witness = { contacts: contacts };
    if (who.witness_name) witness.name = who.witness_name;
    if (who.witness_birth_date) witness.birth_date = who.witness_birth_date;
    if (who.witness_residence) witness.residence = who.witness_residence;
    return {
      statement: own.statement, taken_at: taken, language: own.language,
      taken_place: own.taken_place || null,
      incidents: (own.incidents || "").split(/[ ,;]+/).filter(Boolean).map(Number),
      attachments: (own.attachments || "").split(/\s+/).filter(Boolean),
      flags: own.flags, witness: witness
    };
  }
  function key() {
    if (pageKey) return Promise.resolve(pageKey);
    return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
      .then(function (k) { pageKey = k; return k; });
  }
  function seal(who) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var data = new TextEncoder().encode(JSON.stringify(who));
    return key().then(function (k) { return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, k, data); })
      .then(function (ct) {
        return { iv: Array.from(iv), ct: Array.from(new Uint8Array(ct)) };
      });
  }
  function open(sealed) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(sealed.iv) }, pageKey,
      new Uint8Array(sealed.ct)).then(function (pt) { return JSON.parse(new TextDecoder().decode(pt)); });
  }
  function send(doc) {
    return fetch("/api/v1/testimony", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(doc)
    });
  }
  function reason(response) {
    return response.json().then(function (p) { return p.detail || p.title || response.status; },
      function () { return response.status; });
  }
  function clearIdentity() { identityFields().forEach(function (el) { el.value = ""; }); }

  function flush() {
    var queue = load(QUEUE, []);
    var item = queue[0];
    if (item && (item.page !== pageId || !pageKey)) {
      // its key died with the page that queued it: back to the form, details typed again
      queue.shift();
      localStorage.setItem(QUEUE, JSON.stringify(queue));
      restore(item.own);
      localStorage.setItem(DRAFT, JSON.stringify(item.own));
      say(texts.retype);
      return Promise.resolve();
    }
    if (!item || !navigator.onLine) { showWaiting(); return Promise.resolve(); }
    return open(item.identity).then(function (who) { return send(body(item.own, who)); })
      .then(function (response) {
        if (response.status === 401) { say(texts.signin); return; }
        if (!response.ok) {
          return reason(response).then(function (why) {
            queue.shift();
            localStorage.setItem(QUEUE, JSON.stringify(queue));
            restore(item.own);
            say(fill(texts.refused, { reason: why }));
          });
        }
        return response.json().then(function (made) {
          queue.shift();
          localStorage.setItem(QUEUE, JSON.stringify(queue));
          say(fill(texts.sent, { id: made.id, code: made.witness }));
          return flush();
        });
      }, function () { showWaiting(); });
  }
  function showWaiting() {
    var n = load(QUEUE, []).length;
    if (n) say(texts.queued + " " + fill(texts.waiting, { n: n }));
  }

  form.addEventListener("input", function (event) {
    if (!isIdentity(event.target)) saveDraft();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    var own = ownFields();
    var who = identity();
    var attempt = navigator.onLine ? send(body(own, who)) : Promise.reject(new Error("offline"));
    attempt.then(function (response) {
      if (response.status === 401) { say(texts.signin); return; }
      if (!response.ok) { return reason(response).then(function (why) { say(fill(texts.refused, { reason: why })); }); }
      return response.json().then(function (made) {
        localStorage.removeItem(DRAFT);
        form.reset();
        say(fill(texts.sent, { id: made.id, code: made.witness }));
      });
    }).catch(function () {
      // no network: queue it, the witness's details encrypted under the page's key
      return seal(who).then(function (sealed) {
        var queue = load(QUEUE, []);
        queue.push({ page: pageId, own: own, identity: sealed });
        localStorage.setItem(QUEUE, JSON.stringify(queue));
        localStorage.removeItem(DRAFT);
        form.reset();
        clearIdentity();
        showWaiting();
      });
    });
  });
  window.addEventListener("online", flush);
  restore(load(DRAFT, {}));
  flush();
})();
