// exportguard console: progress polling, queue selection count, dispositions recorded in place.
// Every page works without it (plain forms and links); this only saves reloads and scrolling.
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

  // Review queue: "select all" leaves exact (1.00) matches alone unless they are included; the count is shown.
  const all = document.getElementById("select-all");
  const exact = document.getElementById("include-exact");
  const count = document.getElementById("selected-count");
  const boxes = () => Array.from(document.querySelectorAll("input[name=selected]"));
  const recount = () => {
    if (!count) { return; }
    const chosen = boxes().filter((box) => box.checked);
    const exactChosen = chosen.filter((box) => box.dataset.exact).length;
    count.textContent = chosen.length + " selected" + (exactChosen ? " (" + exactChosen + " exact" +
      (exact && exact.checked ? ", included)" : ", left out unless included)") : "") + "; you confirm on the next page.";
  };
  if (all) {
    all.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = all.checked && (!box.dataset.exact || (exact && exact.checked)); });
      recount();
    });
  }
  // A group's box (one customer against one listed entity family) ticks the group's other rows with it.
  document.querySelectorAll("input[data-group]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll('input[data-group-member="' + box.dataset.group + '"]').forEach((member) => {
        member.checked = box.checked && (!member.dataset.exact || (exact && exact.checked));
      });
      recount();
    });
  });
  boxes().forEach((box) => box.addEventListener("change", recount));
  if (exact) { exact.addEventListener("change", recount); }

  // Screening page: record a disposition without reloading; the hit's row says what was recorded.
  const status = document.getElementById("disposition-status");
  document.querySelectorAll("form[data-inplace]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) { form.submit(); return; }  // let the server's page explain the refusal
      const done = await response.json();
      const group = form.closest("tbody.hit");
      const row = document.createElement("tr");
      const cell = document.createElement("td");
      cell.colSpan = 5;
      cell.className = "decided-inline decision-" + done.decision;
      cell.textContent = done.label + " recorded for " + done.entry + " by " + done.by + ": " + done.reason;
      row.appendChild(cell);
      group.replaceChildren(row);
      cell.tabIndex = -1;
      cell.focus();
      if (status) { status.textContent = done.label + " recorded for " + done.entry + "."; }
    });
  });
})();
