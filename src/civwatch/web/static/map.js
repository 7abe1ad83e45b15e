// The incident map: clustered markers from /api/v1/incidents.geojson for the visible area
// (or, for a wide view holding many incidents, counts per grid cell: static/map-cells.js),
// refetched when the map moves. Without JavaScript the page shows the same incidents as a
// list with coordinates. Popups are built from text nodes: no data is ever parsed as HTML.
(function () {
  "use strict";
  var box = document.getElementById("incident-map");
  var status = document.getElementById("map-status");
  var T = window.civwatchT;
  if (!box || !T || typeof L === "undefined" || !L.markerClusterGroup) { return; }
  var MAX_PAGES = 5;
  var LIMIT = 1000;
  box.hidden = false;

  function say(text) { if (status) { status.textContent = text; } }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function range(figure) {
    if (!figure) { return null; }
    return figure.min === figure.max ? String(figure.min) : figure.min + "\u2013" + figure.max;
  }


  function popup(p) {
    var root = el("div", null, "map-popup");
    var title = el("a", p.title || T.t("incident", { id: p.id }));
    // only a local path is followed: the API gives "/incidents/<id>"
    title.href = (typeof p.url === "string" && /^\/incidents\/\d+$/.test(p.url)) ? p.url : "/incidents/" + Number(p.id);
    var heading = el("p"); heading.appendChild(title); root.appendChild(heading);
    root.appendChild(el("p", String(p.start || "").slice(0, 16).replace("T", " ") + " " + T.t("utc") + (p.oblast ? " \u00b7 " + T.label("oblast", p.oblast) : "")));
    var parts = [];
    if (p.killed) { parts.push(T.t("killed", { range: range(p.killed) })); }
    if (p.injured) { parts.push(T.t("injured", { range: range(p.injured) })); }
    root.appendChild(el("p", parts.length ? parts.join(", ") : T.t("no-figures")));
    root.appendChild(el("p", T.label("incident_type", p.incident_type) + " \u00b7 " + T.label("status", p.status) + " \u00b7 " + T.label("visibility", p.visibility)));
    return root;
  }

  // maxZoom: clustering needs it, and with no tile layer nothing else sets it
  var map = L.map(box, { zoomControl: false, keyboard: true, worldCopyJump: true, maxZoom: 18, minZoom: 3 });
  L.control.zoom({ zoomInTitle: T.t("zoom-in"), zoomOutTitle: T.t("zoom-out") }).addTo(map);
  map.attributionControl.setPrefix(false);  // no link to another site
  if (window.civwatchBasemap) {
    window.civwatchBasemap(map, box);  // tiles, the PMTiles archive or the offline basemap
  } else {
    box.classList.add("plain");  // markers on a plain background
  }
  var b = (box.getAttribute("data-bbox") || "22,44.2,40.3,52.4").split(",").map(Number);
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  var cluster = L.markerClusterGroup({ showCoverageOnHover: false });
  map.addLayer(cluster);
  var cells = L.layerGroup().addTo(map);  // counts per grid cell of a wide view
  var base = box.getAttribute("data-geojson") || "/api/v1/incidents.geojson?";
  var generation = 0;

  function fetchPage(url, gen, page, shown) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (problem) {
            throw new Error(problem.detail || T.t("server-answered", { status: response.status }));
          }, function () { throw new Error(T.t("server-answered", { status: response.status })); });
        }
        return response.json();
      })
      .then(function (doc) {
        if (gen !== generation) { return; }  // the map moved on: a newer request is running
        if (doc.kind === "cells" && window.civwatchCells) {
          say(T.tn("in-view-cells", window.civwatchCells(map, cells, doc, T)));
          box.dataset.kind = "cells";
          return;
        }
        box.dataset.kind = "points";
        var markers = [];
        (doc.features || []).forEach(function (f) {
          if (!f.geometry || f.geometry.type !== "Point") { return; }
          var c = f.geometry.coordinates;  // RFC 7946: longitude, latitude
          var m = L.marker([c[1], c[0]], { title: String(f.properties.title || ""), alt: String(f.properties.title || "") });
          m.bindPopup(popup(f.properties));
          markers.push(m);
        });
        cluster.addLayers(markers);
        shown += markers.length;
        if (doc.next && page < MAX_PAGES) {
          say(T.tn("loading-so-far", shown));
          return fetchPage(doc.next, gen, page + 1, shown);
        }
        say(T.tn(doc.next ? "in-view-first" : "in-view", shown));
      });
  }

  function refresh() {
    generation += 1;
    var gen = generation;
    var bounds = map.getBounds();
    var west = Math.max(-180, bounds.getWest()), east = Math.min(180, bounds.getEast());
    var south = Math.max(-90, bounds.getSouth()), north = Math.min(90, bounds.getNorth());
    var bbox = [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(",");
    var url = base + (base.indexOf("?") === -1 ? "?" : (/[?&]$/.test(base) ? "" : "&")) + "bbox=" + bbox + "&limit=" + LIMIT;
    cluster.clearLayers();
    cells.clearLayers();
    say(T.t("loading"));
    fetchPage(url, gen, 1, 0).catch(function (err) {
      if (gen === generation) { say(T.t("map-failed", { error: err.message })); }
    });
  }

  map.on("moveend", refresh);
  refresh();
  box.dataset.ready = "1";
})();
