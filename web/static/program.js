// The Program page's figures: each .chart[data-spec] is a Vega-Lite specification from /api/v1/ledger/figure
// (moa/charts.py, the same moa ledger plot renders), drawn by Vega served from /vendor/. Expressions run in
// vega-interpreter, since the page's Content-Security-Policy forbids eval.
"use strict";
(function () {
  const views = {};
  window.moaFigures = views;  // each drawn figure's Vega view, by element id (for scripts and the tests)
  const options = {
    renderer: "svg", actions: false, defaultStyle: false, ast: true, expr: vega.expressionInterpreter,
    tooltip: { disableDefaultStyle: true },
  };

  async function draw(el, specUrl) {
    el.setAttribute("aria-busy", "true");
    const res = await fetch(specUrl);
    if (!res.ok) {
      const err = await res.json().catch(() => ({ error: res.statusText }));
      el.textContent = "Cannot draw this figure: " + err.error;
      el.dataset.state = "error";
      return;
    }
    const spec = await res.json();
    if (views[el.id]) views[el.id].finalize();
    const result = await vegaEmbed(el, spec, options);
    views[el.id] = result.view;
    el.dataset.spec = specUrl;
    el.dataset.state = "drawn";
    el.removeAttribute("aria-busy");
  }

  function download(id, format) {
    const view = views[id];
    if (!view) return;
    view.toImageURL(format, format === "png" ? 2 : 1).then((href) => {
      const a = document.createElement("a");
      a.href = href;
      a.download = id + "." + format;
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  }

  function mapControls() {
    const form = document.getElementById("map-controls");
    const el = document.getElementById("map");
    if (!form || !el) return;
    const slider = document.getElementById("map-date");
    const label = document.getElementById("map-date-label");
    const csv = document.getElementById("map-csv");
    const dates = JSON.parse(slider.dataset.dates);
    let timer = null;
    function update() {
      const date = dates[Number(slider.value)];
      const measure = form.querySelector("input[name=measure]:checked").value;
      label.textContent = date;
      csv.href = "/api/v1/ledger/counts?as_of=" + date + "&by=county&format=csv";
      clearTimeout(timer);
      timer = setTimeout(() => draw(el, "/api/v1/ledger/figure?kind=map&as_of=" + date + "&measure=" + measure)
        .catch(fail(el)), 150);
    }
    slider.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  function fail(el) {
    return (e) => { el.textContent = "Cannot draw this figure: " + e; el.dataset.state = "error"; };
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const el of document.querySelectorAll(".chart[data-spec]")) draw(el, el.dataset.spec).catch(fail(el));
    for (const b of document.querySelectorAll("button[data-chart]")) {
      b.addEventListener("click", () => download(b.dataset.chart, b.dataset.format));
    }
    mapControls();
  });
})();
