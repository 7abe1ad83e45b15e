// Background jobs: follow a job's progress through the API and show each file's outcome.
// Without JavaScript the job page refreshes itself instead.
"use strict";
(function () {
  const T = window.civwatchT;
  const stateWord = (state) => T.label("job_state", state);

  function code(text) {
    const c = document.createElement("code");
    c.textContent = text.slice(0, 12) + "…";
    return c;
  }

  function link(href, child) {
    const a = document.createElement("a");
    a.href = href;
    a.appendChild(child);
    return a;
  }

  function flag(text) {
    const span = document.createElement("span");
    span.className = "flag";
    span.textContent = text;
    return span;
  }

  // One file's outcome, the same words as the job page (built as text, never as markup).
  function outcomeLine(o) {
    const li = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = o.path;
    li.appendChild(name);
    li.appendChild(document.createTextNode(": " + T.label("upload_outcome", o.status) +
      (o.error ? " — " + o.error : "")));
    if (o.status === "ingested") { li.append(" "); li.appendChild(flag(T.t("new"))); }
    if (o.status === "duplicate") { li.append(" "); li.appendChild(flag(T.t("already-held"))); }
    if (o.copies && o.copies.count > 0) {
      const n = o.copies.count;
      li.append(" ");
      li.appendChild(flag(T.tn("copies", n) + (o.copies.first_seen ? T.t("first-seen", {
        when: o.copies.first_seen.seen_at.slice(0, 16).replace("T", " ") + " " + T.t("utc"),
      }) : "")));
      (o.copies.of || []).forEach((sha) => {
        li.append(" ");
        li.appendChild(link("/evidence/" + sha, code(sha)));
      });
    }
    if (o.sha256) {
      li.append(" · ");
      const item = document.createElement("span");
      item.append(T.t("item") + " ");
      item.appendChild(code(o.sha256));
      li.appendChild(link("/evidence/" + o.sha256, item));
    }
    (o.warnings || []).forEach((w) => {  // truncated, type mismatch... as the CLI says
      li.appendChild(document.createElement("br"));
      const warn = document.createElement("span");
      warn.className = "warn";
      warn.textContent = "\u26a0 " + w;
      li.appendChild(warn);
    });
    return li;
  }

  // Poll the job at `url` until it finishes; `show(job)` after every answer.
  function follow(url, show, failed) {
    let delay = 300;
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json().then((doc) => ({ ok: r.ok, doc: doc })))
        .then(({ ok, doc }) => {
          if (!ok) { failed((doc && doc.detail) || T.t("job-unavailable")); return; }
          show(doc);
          if (doc.state !== "done" && doc.state !== "failed") {
            delay = Math.min(delay * 1.3, 2000);
            window.setTimeout(poll, delay);
          }
        })
        .catch(() => {
          delay = Math.min(delay * 2, 10000);
          window.setTimeout(poll, delay);
        });
    }
    poll();
  }

  window.civwatchJobs = { outcomeLine: outcomeLine, follow: follow, stateWord: stateWord };

  // The job page: update it in place.
  const box = document.getElementById("job");
  if (!box || box.dataset.finished === "yes") return;
  const refresh = box.querySelector(".job-refresh");
  if (refresh) refresh.hidden = true;
  follow(box.dataset.jobUrl, (job) => {
    box.querySelector(".job-state").textContent = stateWord(job.state);
    const message = box.querySelector(".job-message");
    message.textContent = job.message;
    message.classList.toggle("error", job.state === "failed");
    const bar = box.querySelector(".job-progress");
    bar.max = job.total > 0 ? job.total : 1;
    bar.value = job.total > 0 ? job.done : (job.state === "done" ? 1 : 0);
    box.querySelector(".job-count").textContent = T.t("done-of", {
      done: T.number(job.done), total: T.number(job.total),
    });
    const list = box.querySelector(".job-outcomes");
    list.replaceChildren(...(job.result.outcomes || []).map(outcomeLine));
  }, (message) => {
    box.querySelector(".job-message").textContent = message;
  });
})();
