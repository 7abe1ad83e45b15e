// The testimony form's service worker (served at /testimony/sw.js, scope /testimony):
// keeps the offline form and its script, and answers /testimony/offline with the kept
// copy while the network is down. It keeps nothing a witness typed: drafts and queued
// testimony live in the page's storage (see testimony-offline.js), never in this cache.
"use strict";
var SHELL = "civwatch-testimony-shell-v1";
var SHELL_FILES = ["/testimony/offline", "/static/civwatch.css", "/static/i18n.js", "/static/testimony-offline.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || SHELL_FILES.indexOf(url.pathname) < 0) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(SHELL).then(function (cache) { return cache.match(url.pathname); })
      .then(function (found) { return found || Response.error(); });
  }));
});
