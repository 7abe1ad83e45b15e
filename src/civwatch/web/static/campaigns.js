/* The campaign form's proof-of-work during a burst: when the page carries a challenge
   (data-pow = the number of leading zero bits asked for), find a nonce such that
   SHA-256(challenge + nonce) starts with that many zero bits, then send. Without
   JavaScript the server answers "try again in a minute" and keeps what was typed. */
(function () {
  "use strict";
  var form = document.querySelector("form.act-form[data-pow]");
  if (!form || !form.dataset.pow || !window.crypto || !crypto.subtle) return;
  var bits = parseInt(form.dataset.pow, 10);
  var challenge = form.querySelector("input[name=pow_challenge]");
  var nonce = form.querySelector("input[name=pow_nonce]");
  if (!bits || !challenge || !nonce) return;
  function zeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      for (var b = 7; b >= 0 && !(bytes[i] & (1 << b)); b--) n++;
      break;
    }
    return n;
  }
  async function solve() {
    var enc = new TextEncoder();
    for (var i = 0; ; i++) {
      var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(challenge.value + i)));
      if (zeroBits(digest) >= bits) return String(i);
    }
  }
  var solving = false;
  form.addEventListener("submit", function (event) {
    if (nonce.value) return;
    event.preventDefault();
    if (solving) return;
    solving = true;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    solve().then(function (found) {
      nonce.value = found;
      form.submit();
    });
  });
})();
