// The shelters' service worker (served at /shelters/sw.js, scope /shelters): keeps the
// offline page, answers a saved hromada's signed bundle from the cache the page saved it
// in when the network fails, and while the network is down answers any /shelters page
// with the offline page, which finds the nearest saved shelter
// itself (shelters-offline.js reads lat and lon from the address).
"use strict";
var SHELL = "civwatch-shelters-shell-v1";
var DATA = "civwatch-shelters-data-v1";
var SHELL_FILES = ["/shelters/offline", "/static/shelters.css", "/static/shelters-offline.js", "/static/shelters-icon.svg"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function fresh(request, key) {
  // the network first (so the offline page stays current), the saved copy when it fails
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(SHELL).then(function (cache) {
      return cache.match(key, { ignoreSearch: true });
    }).then(function (found) { return found || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/shelters/bundle/") === 0) {
    // the page alone writes the saved bundles (two writers of one cache entry at once
    // made a save fail now and then); here only the saved copy when the network fails
    event.respondWith(fetch(request).catch(function () {
      return caches.open(DATA).then(function (cache) { return cache.match(request); })
        .then(function (found) { return found || Response.error(); });
    }));
  } else if (SHELL_FILES.indexOf(url.pathname) >= 0) {
    event.respondWith(fresh(request, url.pathname));
  } else if (request.mode === "navigate" && url.pathname.indexOf("/shelters") === 0) {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(SHELL).then(function (cache) { return cache.match("/shelters/offline"); })
        .then(function (found) { return found || Response.error(); });
    }));
  }
});
