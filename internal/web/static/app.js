// Patchbay dashboard: progressive enhancement only. Every page works
// without this file; with it, the MCP URL copies with one click and the
// activity chart is drawn.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="input-id">.
  function copyFrom(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (!input) return;
    function done(ok) {
      if (status) status.textContent = ok ? "Copied to the clipboard." : "Could not copy: select the URL and copy it by hand.";
      button.textContent = ok ? "Copied" : "Copy";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () { legacy(); });
    } else {
      legacy();
    }
    function legacy() {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[data-copy]");
    if (b) copyFrom(b);
  });

  // The activity chart: calls and errors per bucket, from the JSON endpoint.
  function drawChart(el) {
    if (typeof uPlot === "undefined") return;
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (d) {
        var css = getComputedStyle(document.documentElement);
        var text = css.getPropertyValue("--pico-color").trim() || "#333";
        var grid = css.getPropertyValue("--pico-muted-border-color").trim() || "#ddd";
        // Counts per bucket read best as bars; errors are drawn over calls.
        var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.9, 40], align: 1 }) : undefined;
        var axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
        var opts = {
          width: Math.max(280, el.clientWidth),
          height: 220,
          tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
          // Each bucket's bar starts at its time: leave room for the last one.
          scales: { x: { time: true, range: function (u, min, max) { return [min, max + d.step]; } }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
          axes: [axis, Object.assign({ values: function (u, v) { return v.map(function (x) { return Number.isInteger(x) ? x : ""; }); } }, axis)],
          series: [
            {},
            { label: "Calls", stroke: "#1d6fd8", fill: "rgba(29,111,216,0.35)", width: 1, paths: bars, points: { show: false } },
            { label: "Errors", stroke: "#c62828", fill: "rgba(198,40,40,0.6)", width: 1, paths: bars, points: { show: false } }
          ]
        };
        el.textContent = "";
        var plot = new uPlot(opts, [d.t, d.calls, d.errors], el);
        el.setAttribute("data-ready", "true");
        el.setAttribute("data-calls", String(d.calls.reduce(function (a, b) { return a + b; }, 0)));
        el.setAttribute("data-errors", String(d.errors.reduce(function (a, b) { return a + b; }, 0)));
        window.addEventListener("resize", function () { plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }); });
      })
      .catch(function (err) { el.textContent = "The chart could not be loaded (" + err.message + ")."; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("activity-chart");
    if (el) drawChart(el);
  });
})();
