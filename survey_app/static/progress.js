/* Live numbers on a campaign's progress page: every 30 s (and on "Refresh"), read the page's JSON
   and update the counts, bars and per-day table in place. Without JavaScript the page is complete
   and the "Refresh" link reloads it. No library, no third-party request. */
(function () {
  "use strict";
  var root = document.getElementById("progress");
  if (!root || !window.fetch) { return; }
  var source = root.getAttribute("data-source");
  var seconds = parseInt(root.getAttribute("data-interval"), 10) || 30;
  var barWidth = parseInt(root.getAttribute("data-bar-width"), 10) || 160;
  var lang = document.documentElement.lang || "vi";
  var integer = new Intl.NumberFormat(lang);
  var share = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var SVG = "http://www.w3.org/2000/svg";

  function number(value) { return value === null || value === undefined ? "—" : integer.format(value); }

  function setText(row, key, text) {
    var cell = row.querySelector('[data-cell="' + key + '"]');
    if (cell) { cell.textContent = text; }
  }

  function showTally(row, tally) {
    if (!row) { return; }
    setText(row, "quota", number(tally.quota));
    setText(row, "accepted", number(tally.accepted));
    setText(row, "flagged", number(tally.flagged));
    setText(row, "rejected", number(tally.rejected));
    setText(row, "percent", tally.quota ? share.format(tally.accepted / tally.quota) : "—");
    var bar = row.querySelector('[data-cell="bar"]');
    if (bar) {
      bar.max = tally.quota || 1;
      bar.value = Math.min(tally.accepted, tally.quota || 0);
      bar.hidden = !tally.quota;
      bar.textContent = tally.quota ? share.format(tally.accepted / tally.quota) : "—";
    }
  }

  function cell(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (className) { element.className = className; }
    return element;
  }

  function dayBar(day, busiest) {
    var scale = busiest ? barWidth / busiest : 0;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", barWidth);
    svg.setAttribute("height", 14);
    svg.setAttribute("viewBox", "0 0 " + barWidth + " 14");
    svg.setAttribute("aria-hidden", "true");
    [[0, day.accepted, "#00703c"], [day.accepted, day.flagged, "#f47738"]].forEach(function (part) {
      var rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", (part[0] * scale).toFixed(1));
      rect.setAttribute("y", 1);
      rect.setAttribute("height", 12);
      rect.setAttribute("width", (part[1] * scale).toFixed(1));
      rect.setAttribute("fill", part[2]);
      svg.appendChild(rect);
    });
    return svg;
  }

  function showDays(days, busiest) {
    var body = root.querySelector("#progress-days tbody");
    if (!body || !days.length) { return; }
    var rows = days.map(function (day) {
      var row = document.createElement("tr");
      row.setAttribute("data-day", day.date);
      var th = cell("th", day.label);
      th.scope = "row";
      row.appendChild(th);
      row.appendChild(cell("td", number(day.accepted), "num"));
      row.appendChild(cell("td", number(day.flagged), "num"));
      var chart = document.createElement("td");
      chart.appendChild(dayBar(day, busiest));
      row.appendChild(chart);
      return row;
    });
    body.replaceChildren.apply(body, rows);
  }

  function show(data) {
    data.strata.forEach(function (s) { showTally(root.querySelector('[data-row="stratum:' + s.id + '"]'), s); });
    data.fields.forEach(function (f) { showTally(root.querySelector('[data-row="field:' + f.field + '"]'), f); });
    showTally(root.querySelector('[data-row="total"]'), data.total);
    showTally(root.querySelector('[data-row="total-line"]'), data.total);
    showDays(data.days, data.busiest_day);
    setText(root, "updated", data.updated);
    root.setAttribute("data-refreshed", String(Date.now()));
  }

  function refresh() {
    return fetch(source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline for a moment: keep the numbers shown, try again later */ });
  }

  var link = root.querySelector("[data-refresh]");
  if (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
  }
  window.setInterval(function () { if (!document.hidden) { refresh(); } }, seconds * 1000);
}());
