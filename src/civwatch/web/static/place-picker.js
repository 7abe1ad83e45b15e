// The incident form's place tools: a search over the offline gazetteer (/api/v1/places) and
// a map to click. Choosing a place or clicking the map fills the form's latitude and
// longitude; typing them moves the marker. Without JavaScript the tools stay hidden and the
// typed fields are the way. Results are built from text nodes, never parsed as HTML.
(function () {
  "use strict";
  var T = window.civwatchT;
  if (!T || typeof L === "undefined") { return; }
  var UKRAINE = [[44.2, 22.0], [52.4, 40.3]];

  function setUp(tools) {
    var lat = document.getElementById(tools.getAttribute("data-lat"));
    var lon = document.getElementById(tools.getAttribute("data-lon"));
    var query = tools.querySelector("[data-place-query]");
    var status = tools.querySelector("[data-place-status]");
    var results = tools.querySelector("[data-place-results]");
    var box = tools.querySelector("[data-place-map]");
    if (!lat || !lon || !query || !results || !box) { return; }
    tools.hidden = false;
    var map = null, marker = null, timer = null, asked = 0;

    function say(text) { if (status) { status.textContent = text; } }
    function typed() {
      var a = Number(String(lat.value).replace(",", ".")), b = Number(String(lon.value).replace(",", "."));
      return lat.value !== "" && lon.value !== "" && isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
    }
    function put(point, zoom) {
      if (!map) { return; }
      if (!marker) {
        marker = L.marker(point, { draggable: true, keyboard: true, title: T.t("place-marker"), alt: T.t("place-marker") }).addTo(map);
        marker.on("dragend", function () { fill(marker.getLatLng(), null); });
      } else {
        marker.setLatLng(point);
      }
      if (zoom) { map.setView(point, Math.max(map.getZoom(), zoom)); }
    }
    function fill(point, zoom) {
      lat.value = Number(point.lat).toFixed(5);
      lon.value = Number(point.lng).toFixed(5);
      [lat, lon].forEach(function (input) { input.dispatchEvent(new Event("change", { bubbles: true })); });
      put([point.lat, point.lng], zoom);
      say(T.t("place-set", { lat: lat.value, lon: lon.value }));
    }
    function start() {
      if (map || box.offsetWidth === 0) { return; }
      map = L.map(box, { zoomControl: false, worldCopyJump: true, maxZoom: 18, minZoom: 3 });
      L.control.zoom({ zoomInTitle: T.t("zoom-in"), zoomOutTitle: T.t("zoom-out") }).addTo(map);
      map.attributionControl.setPrefix(false);
      if (window.civwatchBasemap) { window.civwatchBasemap(map, box); }
      var point = typed();
      if (point) { map.setView(point, 10); put(point, null); } else { map.fitBounds(UKRAINE); }
      map.on("click", function (e) { fill(e.latlng, null); });
      box.dataset.ready = "1";
    }
    function choose(place) {
      fill({ lat: place.lat, lng: place.lon }, 11);
      results.textContent = "";
      say(T.t("place-chosen", { name: place.name, lat: lat.value, lon: lon.value }));
    }
    function show(places, text) {
      results.textContent = "";
      results.dataset.for = text;
      places.forEach(function (place) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        var where = [place.country_code === "UA" && place.oblast ? T.label("oblast", place.oblast) : place.oblast, place.country_code]
          .filter(function (part) { return part; }).join(", ");
        button.appendChild(document.createTextNode(place.name + (place.name !== place.name_latin ? " (" + place.name_latin + ")" : "")));
        var detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = " \u00b7 " + where + " \u00b7 " + Number(place.lat).toFixed(4) + ", " + Number(place.lon).toFixed(4);
        button.appendChild(detail);
        button.addEventListener("click", function () { choose(place); });
        item.appendChild(button);
        results.appendChild(item);
      });
    }
    function search() {
      var text = query.value.trim();
      if (text.length < 2) { results.textContent = ""; say(""); return; }
      asked += 1;
      var mine = asked;
      say(T.t("place-searching"));
      fetch("/api/v1/places?limit=8&q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().then(function (doc) {
            if (!response.ok) { throw new Error(doc.detail || T.t("server-answered", { status: response.status })); }
            return doc;
          });
        })
        .then(function (doc) {
          if (mine !== asked) { return; }
          show(doc.places || [], text);
          say(doc.places && doc.places.length ? T.tn("places-found", doc.places.length) : T.t("place-none", { name: text }));
        })
        .catch(function (err) { if (mine === asked) { results.textContent = ""; say(T.t("place-failed", { error: err.message })); } });
    }
    query.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
    query.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {  // search, never submit the incident form
        e.preventDefault();
        clearTimeout(timer);
        var first = results.querySelector("button");
        if (first && results.dataset.for === query.value.trim()) { first.click(); } else { search(); }
      }
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("input", function () { var p = typed(); if (p) { put(p, null); } });
    });
    var details = tools.closest("details");
    if (details) { details.addEventListener("toggle", function () { if (details.open) { start(); if (map) { map.invalidateSize(); } } }); }
    start();
  }

  document.querySelectorAll("[data-place-picker]").forEach(setUp);
})();
