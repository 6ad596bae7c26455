// Reload a page marked data-reload-when-done once its job has finished, so what it produced
// (a download link) appears. Fired by job-progress.js.
document.addEventListener("job:finished", function (event) {
  var box = event.target.closest("[data-reload-when-done]");
  if (box && event.detail && event.detail.status === "done") {
    window.location.reload();
  }
});
