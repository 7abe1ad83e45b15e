// Upload with progress and drag-and-drop: the transfer's progress, then the background
// job's (stored, checked, compared), then each file's outcome, then the refreshed list.
// Without JavaScript the form posts as usual and the answer is the job's page.
"use strict";
(function () {
  const form = document.querySelector("form.upload");
  const jobs = window.civwatchJobs;
  const T = window.civwatchT;
  if (!form || !jobs || !T || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
  const input = form.querySelector("input[type=file]");
  const status = document.getElementById("upload-status");
  const bar = status.querySelector(".upload-transfer");
  const text = status.querySelector(".upload-text");
  const jobLine = status.querySelector(".upload-job");
  const jobBar = status.querySelector(".upload-processing");
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

  // The evidence list as the server shows it now (the page's own address and filters).
  function refreshList() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("listing");
        const current = document.getElementById("listing");
        if (fresh && current) current.replaceChildren(...Array.from(fresh.childNodes));
      })
      .catch(() => { /* the list stays as it was; the outcomes above say what happened */ });
  }

  function jobLink(job) {
    const a = document.createElement("a");
    a.href = job.page;
    a.textContent = T.t("job", { id: job.id });
    return a;
  }

  function showJob(job) {
    jobLine.hidden = false;
    jobLine.replaceChildren(T.t("processing") + " ", jobLink(job), " — " + job.message);
    jobBar.hidden = false;
    jobBar.max = job.total > 0 ? job.total : 1;
    jobBar.value = job.total > 0 ? job.done : (job.state === "done" ? 1 : 0);
    list.replaceChildren(...(job.result.outcomes || []).map(jobs.outcomeLine));
    if (job.state === "done" || job.state === "failed") {
      text.textContent = job.state === "done" ? T.t("upload-result") : T.t("upload-failed-job");
      refreshList();
    }
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
    jobLine.hidden = true;
    jobBar.hidden = true;
    bar.value = 0;
    text.textContent = T.t("uploading");
    xhr.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) {
        bar.value = p.loaded / p.total;
        text.textContent = T.t("uploading-percent", { percent: Math.round(100 * p.loaded / p.total) });
      }
    });
    xhr.upload.addEventListener("load", () => {
      text.textContent = T.t("sent");
    });
    xhr.addEventListener("load", () => {
      bar.value = 1;
      let doc = null;
      try { doc = JSON.parse(xhr.responseText); } catch (err) { doc = null; }
      if ((xhr.status === 202 || xhr.status === 200) && doc && doc.url) {
        text.textContent = T.t("received");
        form.reset();
        showJob(doc);
        jobs.follow(doc.url, showJob, (message) => { jobLine.textContent = message; });
      } else {
        text.textContent = (doc && doc.detail) || T.t("upload-failed", { status: xhr.status });
      }
    });
    xhr.addEventListener("error", () => {
      text.textContent = T.t("interrupted");
    });
    xhr.send(data);
  });
})();
