// The incident form's times are entered in the place's local time: show the UTC beside
// each as it is typed (the server converts the same way; without JavaScript the UTC is
// shown after the form is sent).
(function () {
  "use strict";
  function offsetMinutes(zone, utcMs) {
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date(utcMs));
    var v = {};
    parts.forEach(function (p) { v[p.type] = p.value; });
    var wall = Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour % 24, +v.minute, +v.second);
    return (wall - utcMs) / 60000;
  }
  function toUtc(value, zone) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || "");
    if (!m) { return ""; }
    var naive = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    var at = naive;
    if (zone !== "UTC") {
      at = naive - offsetMinutes(zone, naive) * 60000;
      at = naive - offsetMinutes(zone, at) * 60000;
    }
    return new Date(at).toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }
  document.querySelectorAll("[data-utc-beside]").forEach(function (box) {
    var zone = box.querySelector("[data-zone]");
    function update() {
      box.querySelectorAll("output[data-utc-of]").forEach(function (out) {
        var input = document.getElementById(out.getAttribute("data-utc-of"));
        out.textContent = toUtc(input ? input.value : "", zone.value) || "—";
      });
    }
    box.addEventListener("input", update);
    box.addEventListener("change", update);
    update();
  });
})();
