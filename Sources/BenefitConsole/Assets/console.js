// Live updates for pages that ask for them (an element with data-live="/events/..."):
// a Server-Sent Events stream of {runs: [{id, percent, phase, batches, members, rate}]}
// redraws each run's progress bar in place; a run that appears reloads the page.
// Nothing else runs on any page.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const marker = document.querySelector("[data-live]");
  if (!marker || !window.EventSource) return;
  const source = new EventSource(marker.dataset.live);
  source.addEventListener("open", () => marker.classList.add("on"));
  source.addEventListener("error", () => marker.classList.remove("on"));
  source.addEventListener("runs", (event) => {
    const update = JSON.parse(event.data);
    const shown = new Set();
    for (const run of update.runs) {
      shown.add(String(run.id));
      const card = document.querySelector(`[data-run="${run.id}"]`);
      if (!card) { location.reload(); return; }
      const bar = card.querySelector("progress");
      bar.value = run.percent;
      bar.textContent = `${run.percent}%`;
      card.querySelector(".phase").textContent = run.phase;
      card.querySelector(".batches").textContent = run.batches;
      card.querySelector(".members").textContent = run.members;
      card.querySelector(".rate").textContent = run.rate;
    }
    for (const card of document.querySelectorAll("[data-run]")) {
      if (!shown.has(card.dataset.run)) card.classList.add("ended");
    }
  });
});
