// The small map of an item's EXIF location. Without JavaScript the coordinates stay as text.
"use strict";
(function () {
  const box = document.getElementById("item-map");
  if (!box || !window.L) return;
  const lat = Number(box.dataset.lat);
  const lon = Number(box.dataset.lon);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
  box.hidden = false;
  const map = L.map(box, { scrollWheelZoom: false }).setView([lat, lon], 13);
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, {
      maxZoom: 19,
      attribution: box.dataset.attribution || "",
    }).addTo(map);
  }
  // A vector marker: no image to fetch, visible on a plain background when offline.
  L.circleMarker([lat, lon], { radius: 9, weight: 3, color: "#a4161a", fillOpacity: 0.5 })
    .addTo(map)
    .bindTooltip(window.civwatchT ? window.civwatchT.t("metadata-location") : "");
})();
