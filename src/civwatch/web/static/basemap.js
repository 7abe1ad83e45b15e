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
    }).catch(function () {
      box.classList.remove("basemap-offline");  // markers on a plain background
      box.dataset.basemap = "failed";
    });
    getJSON("/map/basemap/labels.geojson").then(function (doc) {
      // Biggest places first (the file's order); a label that would overlap one already
      // shown is left out at this zoom, so names never print over each other.
      var labels = (doc.features || []).filter(function (f) {
        return f.geometry && f.geometry.type === "Point";
      }).map(function (f) {
        var c = f.geometry.coordinates;
        return { feature: f, latlng: L.latLng(c[1], c[0]), zoom: Number(f.properties && f.properties.minzoom) || 9, marker: null };
      });
      function show() {
        var zoom = map.getZoom();
        var view = map.getBounds().pad(0.2);
        var taken = [];
        var shown = 0;
        labels.forEach(function (item) {
          var want = zoom >= item.zoom && view.contains(item.latlng);
          if (want) {
            var p = map.latLngToLayerPoint(item.latlng);
            var name = String((language === "uk" ? item.feature.properties.name_uk : item.feature.properties.name) || "");
            var half = name.length * (item.zoom <= 6 ? 4.6 : 4) + 4;
            var rect = [p.x - half, p.y - 10, p.x + half, p.y + 10];
            want = !taken.some(function (b) { return rect[0] < b[2] && b[0] < rect[2] && rect[1] < b[3] && b[1] < rect[3]; });
            if (want) { taken.push(rect); }
          }
          if (want) {
            if (!item.marker) { item.marker = label(item.feature, item.latlng, language); }
            if (!map.hasLayer(item.marker)) { item.marker.addTo(map); }
            shown += 1;
          } else if (item.marker && map.hasLayer(item.marker)) {
            map.removeLayer(item.marker);
          }
        });
        box.dataset.labelsShown = String(shown);
      }
      map.on("zoomend moveend", show);
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
