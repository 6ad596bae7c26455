// Progress of a background job: polls GET /tugas/<id> (app/jobs/routes.py) and updates the Bootstrap
// progress bar of templates/partials/job_progress.html until the job is done or failed.
(function () {
  "use strict";
  const FINISHED = new Set(["done", "failed"]);
  function init(box) {
    const bar = box.querySelector(".progress-bar");
    const progress = box.querySelector(".progress");
    const text = box.querySelector("[data-job-message]");
    const interval = Number(box.dataset.interval || 2000);
    let failures = 0;
    function show(state) {
      const percent = Math.max(0, Math.min(100, state.percent || 0));
      bar.style.width = percent + "%";
      bar.textContent = percent + "%";
      progress.setAttribute("aria-valuenow", String(percent));
      bar.classList.toggle("bg-danger", state.status === "failed");
      bar.classList.toggle("bg-success", state.status === "done");
      bar.classList.toggle("progress-bar-animated", !FINISHED.has(state.status));
      bar.classList.toggle("progress-bar-striped", !FINISHED.has(state.status));
      if (text) {
        const label = box.dataset["status" + state.status.charAt(0).toUpperCase() + state.status.slice(1)] || "";
        text.textContent = state.message ? label + " " + state.message : label;
      }
      box.dataset.jobStatus = state.status;
      if (FINISHED.has(state.status)) {
        box.dispatchEvent(new CustomEvent("job:finished", { bubbles: true, detail: state }));
      }
    }
    bar.style.width = (Number(progress.getAttribute("aria-valuenow")) || 0) + "%";
    async function poll() {
      try {
        const response = await fetch(box.dataset.jobUrl, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(String(response.status));
        const state = await response.json();
        failures = 0;
        show(state);
        if (FINISHED.has(state.status)) return;
      } catch (error) {
        failures += 1;
        if (failures >= 5) return; // give up quietly; reloading the page starts again
      }
      window.setTimeout(poll, interval);
    }
    poll();
  }
  document.querySelectorAll("[data-job-url]").forEach(init);
})();
