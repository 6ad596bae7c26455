// Dependent region picker: each level loads its options from the JSON endpoint when the level above
// changes. Without this script the server-side "Tampilkan pilihan" button does the same job.
(function () {
  "use strict";
  function fill(select, regions) {
    const placeholder = select.options[0];
    select.replaceChildren(placeholder);
    for (const region of regions) {
      select.append(new Option(region.name, region.code));
    }
    select.disabled = regions.length === 0;
  }
  function init(picker) {
    const selects = Array.from(picker.querySelectorAll("select[data-level]"));
    const refresh = picker.querySelector(".region-refresh");
    if (refresh) refresh.hidden = true;
    const urlFor = (code) => picker.dataset.childrenUrl.replace("__code__", encodeURIComponent(code));
    selects.forEach((select, index) => {
      const next = selects[index + 1];
      if (next && !select.value) next.disabled = true;
      select.addEventListener("change", async () => {
        for (const below of selects.slice(index + 1)) { fill(below, []); }
        if (!next || !select.value) return;
        next.setAttribute("aria-busy", "true");
        try {
          const response = await fetch(urlFor(select.value), { headers: { Accept: "application/json" } });
          if (response.ok) fill(next, await response.json());
        } finally {
          next.removeAttribute("aria-busy");
        }
      });
    });
  }
  document.querySelectorAll("[data-region-picker]").forEach(init);
})();
