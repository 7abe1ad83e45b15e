// Upload with progress and drag-and-drop. Without JavaScript the form posts as usual.
"use strict";
(function () {
  const form = document.querySelector("form.upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const input = form.querySelector("input[type=file]");
  const status = document.getElementById("upload-status");
  const bar = status.querySelector("progress");
  const text = status.querySelector("p");
  const list = status.querySelector("ul");

  form.classList.add("droppable");
  ["dragenter", "dragover"].forEach((name) => form.addEventListener(name, (e) => {
    e.preventDefault();
    form.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((name) => form.addEventListener(name, () => {
    form.classList.remove("dragging");
  }));
  form.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
  });

  function line(o) {
    const li = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = o.path;
    li.appendChild(name);
    li.appendChild(document.createTextNode(": " + o.status + (o.error ? " — " + o.error : "")));
    if (o.copies && o.copies.count > 0) {
      const flag = document.createElement("span");
      flag.className = "flag";
      const n = o.copies.count;
      flag.textContent = "copy of " + n + " other item" + (n === 1 ? "" : "s") +
        (o.copies.first_seen ? ", first seen " +
          o.copies.first_seen.seen_at.slice(0, 16).replace("T", " ") : "");
      li.appendChild(flag);
    }
    return li;
  }

  form.addEventListener("submit", (e) => {
    if (!input.files.length) return;
    e.preventDefault();
    const data = new FormData(form);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/evidence");
    xhr.setRequestHeader("X-CSRF-Token", data.get("csrf_token"));
    xhr.setRequestHeader("Accept", "application/json");
    status.hidden = false;
    list.replaceChildren();
    bar.value = 0;
    text.textContent = "Uploading…";
    xhr.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) {
        bar.value = p.loaded / p.total;
        text.textContent = "Uploading: " + Math.round(100 * p.loaded / p.total) + "%";
      }
    });
    xhr.upload.addEventListener("load", () => {
      text.textContent = "Stored; checking metadata and copies…";
    });
    xhr.addEventListener("load", () => {
      bar.value = 1;
      let doc = null;
      try { doc = JSON.parse(xhr.responseText); } catch (err) { doc = null; }
      if (xhr.status === 201 && doc) {
        text.textContent = "Upload result";
        doc.outcomes.forEach((o) => list.appendChild(line(o)));
        const again = document.createElement("a");
        again.href = "/";
        again.textContent = "Show the updated list";
        text.textContent = "Upload result · ";
        text.appendChild(again);
        form.reset();
      } else {
        text.textContent = (doc && doc.detail) || ("Upload failed (" + xhr.status + ").");
      }
    });
    xhr.addEventListener("error", () => {
      text.textContent = "The upload was interrupted: check the connection and try again.";
    });
    xhr.send(data);
  });
})();
