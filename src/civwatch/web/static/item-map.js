// The small map of an item's EXIF location, on the same background as the other maps
// (static/basemap.js: the operator's tiles or PMTiles archive, else the offline basemap).
// Without JavaScript the coordinates stay as text.
"use strict";
(function () {
  const box = document.getElementById("item-map");
  if (!box || !window.L) return;
  const lat = Number(box.dataset.lat);
  const lon = Number(box.dataset.lon);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
  box.hidden = false;
  // Zoom 8 shows the oblast and the towns around the point: the offline basemap has
  // borders, rivers and settlement names, not streets.
  const map = L.map(box, { scrollWheelZoom: false }).setView([lat, lon], box.dataset.tiles || box.dataset.pmtiles ? 13 : 8);
  if (window.civwatchBasemap) {
    window.civwatchBasemap(map, box);
  }
  // A vector marker: no image to fetch, visible on a plain background when offline.
  L.circleMarker([lat, lon], { radius: 9, weight: 3, color: "#a4161a", fillOpacity: 0.5 })
    .addTo(map)
    .bindTooltip(window.civwatchT ? window.civwatchT.t("metadata-location") : "");
})();
