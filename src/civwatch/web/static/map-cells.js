// Grid cells of a wide map view: the map APIs answer "kind": "cells" (a count per grid
// cell) instead of points when a wide view holds many incidents. Each cell is drawn as a
// round label with its count, sized by it; clicking (or Enter on) a cell zooms into it.
// Labels are text nodes only: nothing from the answer is parsed as HTML.
(function () {
  "use strict";

  function known(count) { return typeof count === "number" && isFinite(count) && count >= 0; }

  // Draws the cells of `doc` into `layer` and returns how many incidents they count.
  window.civwatchCells = function (map, layer, doc, T) {
    var features = (doc.features || []).filter(function (f) {
      return f.geometry && f.geometry.type === "Point" && f.properties;
    });
    var most = 1;
    features.forEach(function (f) { if (known(f.properties.count)) { most = Math.max(most, f.properties.count); } });
    var total = 0;
    features.forEach(function (f) {
      var p = f.properties;
      var c = f.geometry.coordinates;  // RFC 7946: longitude, latitude
      var has = known(p.count);
      var size = has ? 28 + Math.round(16 * Math.sqrt(p.count / most)) : 28;
      var node = document.createElement("span");
      node.className = "map-cell-count";
      // an unknown count says so, never 0
      node.textContent = has ? T.number(p.count) : T.t("count-not-known");
      node.style.width = node.style.height = node.style.lineHeight = size + "px";
      if (node.textContent.length > 4) { node.classList.add("map-cell-long"); }
      var title = has ? T.tn("cell-count", p.count) : T.t("count-not-known");
      var marker = L.marker([c[1], c[0]], {
        icon: L.divIcon({ html: node, className: "map-cell", iconSize: [size, size] }),
        title: title, alt: title, keyboard: true, riseOnHover: true
      });
      var b = p.bounds;
      if (Array.isArray(b) && b.length === 4) {
        marker.on("click", function () { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); });
      }
      layer.addLayer(marker);
      if (has) { total += p.count; }
    });
    return total;
  };
})();
