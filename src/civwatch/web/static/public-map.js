// The public map: clustered markers of published incidents in the visible area, fetched
// from the public map API with the page's filters, refetched when the map moves. Without
// JavaScript the page lists the same incidents. Popups are built from text nodes only.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var status = document.getElementById("map-status");
  var T = window.civwatchT;
  if (!box || !T || typeof L === "undefined" || !L.markerClusterGroup) { return; }
  var MAX_PAGES = 5;
  var LIMIT = 1000;
  box.hidden = false;

  function say(text) { if (status) { status.textContent = text; } }

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    return node;
  }

  function range(figure) {
    if (!figure || figure.min === null || figure.min === undefined) { return null; }
    return figure.min === figure.max ? String(figure.min) : figure.min + "\u2013" + figure.max;
  }

  function popup(p) {
    var root = el("div");
    var link = el("a", p.title || T.t("incident", { id: p.id }));
    link.href = "/public/incidents/" + Number(p.id);  // only our own incident pages
    var heading = el("p"); heading.appendChild(link); root.appendChild(heading);
    var place = (p.location && p.location.place) || p.place || p.oblast || "";
    var shownPlace = String(place).split(", ").map(function (part) { return T.label("oblast", part); }).join(", ");
    root.appendChild(el("p", String(p.start || "").slice(0, 10) + (place ? " \u00b7 " + shownPlace : "")));
    var c = p.casualties || {};
    var parts = [];
    var killed = range(c.killed || p.killed), injured = range(c.injured || p.injured);
    if (killed) { parts.push(T.t("killed", { range: killed })); }
    if (injured) { parts.push(T.t("injured", { range: injured })); }
    root.appendChild(el("p", parts.length ? parts.join(" \u00b7 ") : T.t("not-known")));
    return root;
  }

  // maxZoom: clustering needs one even without a tile layer (offline, plain background)
  var map = L.map(box, { zoomControl: false, keyboard: true, worldCopyJump: true, maxZoom: 18 });
  L.control.zoom({ zoomInTitle: T.t("zoom-in"), zoomOutTitle: T.t("zoom-out") }).addTo(map);
  map.attributionControl.setPrefix(false);  // no link to another site
  if (window.civwatchBasemap) {
    window.civwatchBasemap(map, box);  // tiles, the PMTiles archive or the offline basemap
  }
  map.fitBounds([[44.2, 22.0], [52.4, 40.3]]);  // Ukraine
  var cluster = L.markerClusterGroup({ showCoverageOnHover: false });
  map.addLayer(cluster);
  var cells = L.layerGroup().addTo(map);  // counts per grid cell of a wide view
  var endpoint = box.getAttribute("data-endpoint");
  var query = box.getAttribute("data-query") || "";
  var generation = 0;

  function nextUrl(doc, url) {
    if (doc.next) { return doc.next; }
    if (doc.next_cursor) { return url.replace(/&cursor=[^&]*/, "") + "&cursor=" + encodeURIComponent(doc.next_cursor); }
    return null;
  }

  function fetchPage(url, gen, page, shown) {
    return fetch(url, { headers: { "Accept": "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(T.t("server-answered", { status: response.status })); }
        return response.json();
      })
      .then(function (doc) {
        if (gen !== generation) { return; }
        if (doc.kind === "cells" && window.civwatchCells) {
          var counted = window.civwatchCells(map, cells, doc, T);
          say(T.tn("in-view-cells", counted));
          box.dataset.kind = "cells";
          box.dataset.markers = String(counted);
          return;
        }
        box.dataset.kind = "points";
        var markers = [];
        (doc.features || []).forEach(function (f) {
          if (!f.geometry || f.geometry.type !== "Point") { return; }
          var c = f.geometry.coordinates;  // RFC 7946: longitude, latitude
          var title = String((f.properties && f.properties.title) || "");
          var m = L.marker([c[1], c[0]], { title: title, alt: title, keyboard: true });
          m.bindPopup(popup(f.properties || {}));
          markers.push(m);
        });
        cluster.addLayers(markers);
        shown += markers.length;
        var more = nextUrl(doc, url);
        if (more && page < MAX_PAGES) { return fetchPage(more, gen, page + 1, shown); }
        say(T.tn(more ? "in-view-first" : "in-view", shown));
        box.dataset.markers = String(shown);
      });
  }

  function refresh() {
    generation += 1;
    var gen = generation;
    var b = map.getBounds();
    var bbox = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (v) { return v.toFixed(4); }).join(",");
    var url = endpoint + "?bbox=" + bbox + "&limit=" + LIMIT + (query ? "&" + query : "");
    cluster.clearLayers();
    cells.clearLayers();
    say(T.t("loading"));
    fetchPage(url, gen, 1, 0).catch(function (err) {
      if (gen === generation) { say(T.t("public-map-failed", { error: err.message })); }
    });
  }

  map.on("moveend", refresh);
  refresh();
  box.dataset.ready = "1";
})();
