// The background of every map: the operator's tile server (data-tiles), else the operator's
// PMTiles archive (data-pmtiles, drawn by the vendored protomaps-leaflet), else the offline
// basemap that ships with civwatch: land and sea, oblast and country borders, rivers, and
// settlement labels that appear as the map zooms in (bigger places first). Nothing is
// fetched from another site. Labels are built from text nodes, never parsed as HTML.
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  var STYLES = {
    land: { stroke: true, color: "#b9c4c9", weight: 0.8, fillColor: "#f5f3ee", fillOpacity: 1 },
    oblasts: { color: "#9a8fb0", weight: 1, dashArray: "4 3", fill: false },
    borders: { color: "#6b5a7e", weight: 1.8, fill: false },
    rivers: { color: "#7fb0d6", weight: 1, fill: false }
  };
  var LAYERS = ["land", "oblasts", "borders", "rivers"];

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    });
  }

  function label(feature, latlng, language) {
    var p = feature.properties || {};
    var node = document.createElement("span");
    node.textContent = String((language === "uk" ? p.name_uk : p.name) || p.name || "");
    node.className = "map-label" + (p.minzoom <= 6 ? " map-label-big" : "");
    return L.marker(latlng, {
      icon: L.divIcon({ html: node, className: "map-label-box", iconSize: null }),
      interactive: false, keyboard: false, pane: "basemapLabels"
    });
  }

  function offline(map, box) {
    map.createPane("basemap").style.zIndex = 200;
    map.createPane("basemapLabels").style.zIndex = 450;
    map.getPane("basemapLabels").style.pointerEvents = "none";
    box.classList.add("basemap-offline");
    var renderer = L.canvas({ pane: "basemap", padding: 0.3 });
    var attribution = box.getAttribute("data-basemap-attribution") || "";
    var language = document.documentElement.lang || "en";
    var loaded = LAYERS.map(function (name) {
      return getJSON("/map/basemap/" + name + ".geojson").then(function (doc) {
        return L.geoJSON(doc, { style: STYLES[name], renderer: renderer, pane: "basemap", interactive: false });
      });
    });
    Promise.all(loaded).then(function (layers) {
      layers.forEach(function (layer, i) {
        if (i === 0 && attribution) { layer.options.attribution = attribution; }
        layer.addTo(map);
      });
      box.dataset.basemap = "offline";
    }).catch(function () { box.dataset.basemap = "failed"; });
    getJSON("/map/basemap/labels.geojson").then(function (doc) {
      var byZoom = {};
      (doc.features || []).forEach(function (f) {
        var z = Number(f.properties && f.properties.minzoom) || 9;
        (byZoom[z] = byZoom[z] || []).push(f);
      });
      var groups = Object.keys(byZoom).map(function (z) {
        return { zoom: Number(z), layer: L.geoJSON({ type: "FeatureCollection", features: byZoom[z] }, {
          pointToLayer: function (f, latlng) { return label(f, latlng, language); }
        }) };
      });
      function show() {
        var zoom = map.getZoom();
        var shown = 0;
        groups.forEach(function (g) {
          if (zoom >= g.zoom) { if (!map.hasLayer(g.layer)) { g.layer.addTo(map); } shown += 1; }
          else if (map.hasLayer(g.layer)) { map.removeLayer(g.layer); }
        });
        box.dataset.labelZooms = String(shown);
      }
      map.on("zoomend", show);
      show();
      box.dataset.labels = "1";
    }).catch(function () { box.dataset.labels = "failed"; });
  }

  // Draws the map's background; answers which one it drew ("tiles", "pmtiles", "offline").
  window.civwatchBasemap = function (map, box) {
    var tiles = box.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: box.getAttribute("data-attribution") || "", maxZoom: 19 }).addTo(map);
      box.dataset.basemap = "tiles";
      return "tiles";
    }
    var archive = box.getAttribute("data-pmtiles");
    if (archive && window.protomapsL) {
      window.protomapsL.leafletLayer({
        url: archive, flavor: "light", lang: document.documentElement.lang || "en",
        attribution: box.getAttribute("data-attribution") || ""
      }).addTo(map);
      box.dataset.basemap = "pmtiles";
      return "pmtiles";
    }
    offline(map, box);
    return "offline";
  };
})();
