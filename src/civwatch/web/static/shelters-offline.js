// The offline shelters app: saves the chosen hromadas' signed bundles in the browser's
// cache (shared with the service worker) and finds the nearest saved shelter with no
// network. Texts come translated in #offline-app's data-texts.
(function () {
  "use strict";
  var DATA = "civwatch-shelters-data-v1";
  var CLOSED = { closed: 1, locked: 1, unusable: 1 };
  var app = document.getElementById("offline-app");
  if (!app || !("caches" in window)) return;
  var texts = JSON.parse(app.dataset.texts);
  var saved = document.getElementById("saved");
  var results = document.getElementById("offline-results");
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return values[key]; });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/shelters/sw.js", { scope: "/shelters" });
  }
  function bundleUrl(code) { return "/shelters/bundle/" + code + ".json"; }
  function bundles() {
    return caches.open(DATA).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return cache.match(key).then(function (r) { return r.json(); })
            .then(function (doc) { return JSON.parse(doc.signed); });
        }));
      });
    });
  }
  function showSaved() {
    return bundles().then(function (docs) {
      var names = docs.map(function (d) { return d.hromada || d.katottg; });
      docs.forEach(function (d) {
        var box = document.querySelector('input[name=h][value="' + d.katottg + '"]');
        if (box) box.checked = true;
      });
      saved.textContent = names.length ? fill(texts.saved, { names: names.join(", ") }) : texts.none;
      return docs;
    });
  }
  // One change to the saved bundles at a time: the refresh when the page opens, then
  // each save in turn.
  var busy = Promise.resolve();
  function inTurn(work) {
    busy = busy.then(work, work);
    return busy;
  }
  // Saved bundles are brought up to date whenever the page opens with a network; a
  // bundle that cannot be fetched keeps its saved copy.
  function refresh() {
    if (!navigator.onLine) return Promise.resolve();
    return caches.open(DATA).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return fetch(key.url).then(function (r) {
            if (r.ok) return cache.put(key, r);
          }).catch(function () {});
        }));
      });
    });
  }
  document.getElementById("save").classList.remove("hidden");
  document.getElementById("save-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=h]"));
    inTurn(function () {
      return caches.open(DATA).then(function (cache) {
        return Promise.all(boxes.map(function (box) {
          if (!box.checked) return cache.delete(bundleUrl(box.value));
          return fetchBundle(bundleUrl(box.value), 3).then(function (r) {
            return cache.put(bundleUrl(box.value), r);
          });
        }));
      }).then(showSaved).catch(function (error) {
        console.warn("shelters: could not save: " + error);
        saved.textContent = texts.failed;
      });
    });
  });
  // A phone's network drops requests now and then: try a bundle again after a second
  // before saying it could not be saved.
  function fetchBundle(url, tries) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r;
    }).catch(function (error) {
      if (tries <= 1) throw error;
      return new Promise(function (done) { setTimeout(done, 1000); }).then(function () {
        return fetchBundle(url, tries - 1);
      });
    });
  }
  function metres(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    var a = Math.sin(dlat / 2) * Math.sin(dlat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function compass(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, y = Math.sin((lon2 - lon1) * rad) * Math.cos(lat2 * rad);
    var x = Math.cos(lat1 * rad) * Math.sin(lat2 * rad) - Math.sin(lat1 * rad) * Math.cos(lat2 * rad) * Math.cos((lon2 - lon1) * rad);
    var deg = (Math.atan2(y, x) / rad + 360) % 360;
    return ["N", "NE", "E", "SE", "S", "SW", "W", "NW"][Math.round(deg / 45) % 8];
  }
  function far(m) {
    var lang = document.documentElement.lang;
    if (m < 1000) return fill(texts.m, { n: (Math.round(m / 10) * 10).toLocaleString(lang) });
    return fill(texts.km, { n: (Math.round(m / 100) / 10).toLocaleString(lang) });
  }
  function line(parts) {
    var li = document.createElement("li");
    parts.forEach(function (p) {
      var span = document.createElement("span");
      span.className = p[0];
      span.textContent = p[1];
      li.appendChild(span);
    });
    return li;
  }
  function nearest(lat, lon) {
    return bundles().then(function (docs) {
      var found = [];
      docs.forEach(function (doc) {
        doc.shelters.forEach(function (s) {
          if (CLOSED[s.status]) return;
          found.push({ s: s, m: metres(lat, lon, s.lat, s.lon), at: s.status_at || doc.generated_at });
        });
      });
      found.sort(function (a, b) { return a.m - b.m; });
      results.textContent = "";
      if (!found.length) { results.appendChild(line([["muted", texts.empty]])); return; }
      found.slice(0, 10).forEach(function (f, i) {
        var s = f.s, date = new Date(f.at).toLocaleDateString(document.documentElement.lang);
        results.appendChild(line([
          ["name", (i + 1) + ". " + s.name],
          ["far", far(f.m) + " " + (texts.directions[compass(lat, lon, s.lat, s.lon)] || "")],
          ["muted", s.address || ""],
          ["status st-" + s.status, (texts.statuses[s.status] || s.status) + " · " + fill(texts.as_of, { date: date })],
          ["facts", s.capacity != null ? fill(texts.places, { n: s.capacity }) : ""]
        ]));
      });
    });
  }
  var find = document.getElementById("offline-find");
  find.classList.remove("hidden");
  find.addEventListener("submit", function (event) {
    event.preventDefault();
    nearest(parseFloat(find.lat.value.replace(",", ".")), parseFloat(find.lon.value.replace(",", ".")));
  });
  var locate = document.getElementById("offline-locate");
  if ("geolocation" in navigator) {
    locate.classList.remove("hidden");
    locate.addEventListener("click", function () {
      saved.textContent = texts.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        find.lat.value = pos.coords.latitude.toFixed(5);
        find.lon.value = pos.coords.longitude.toFixed(5);
        nearest(pos.coords.latitude, pos.coords.longitude).then(showSaved);
      }, function () { saved.textContent = texts.denied; });
    });
  }
  inTurn(refresh);
  var asked = new URLSearchParams(window.location.search);
  showSaved().then(function () {
    if (asked.get("lat") && asked.get("lon")) {
      find.lat.value = asked.get("lat");
      find.lon.value = asked.get("lon");
      return nearest(parseFloat(asked.get("lat")), parseFloat(asked.get("lon")));
    }
  });
})();
