// The nearest page with JavaScript: "use my location" fills the same form the page sends
// without it. Messages come translated in the button's data attributes.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  if (!button || !("geolocation" in navigator)) return;
  var form = document.getElementById("find");
  var note = document.getElementById("locate-status");
  button.classList.remove("hidden");
  button.addEventListener("click", function () {
    note.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("find-lat").value = pos.coords.latitude.toFixed(5);
      document.getElementById("find-lon").value = pos.coords.longitude.toFixed(5);
      document.getElementById("find-q").value = "";
      form.submit();
    }, function () {
      note.textContent = button.dataset.denied;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
