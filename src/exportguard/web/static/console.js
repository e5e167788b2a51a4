// exportguard console: batch progress polling and "select all" in the review queue. Pages work without it.
(function () {
  "use strict";
  const bar = document.getElementById("batch-progress");
  if (bar) {
    const text = document.getElementById("batch-progress-text");
    const poll = async () => {
      const response = await fetch(bar.dataset.progressUrl, { credentials: "same-origin" });
      const state = await response.json();
      bar.value = state.percent;
      text.textContent = state.done + " of " + state.total;
      if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 400); }
    };
    window.setTimeout(poll, 400);
  }
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input[name=selected]").forEach((box) => { box.checked = all.checked; });
    });
  }
})();
