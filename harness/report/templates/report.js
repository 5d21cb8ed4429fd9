// The report's own script: draws the charts with Chart.js and runs the transcript viewer.
// Everything it shows comes from the JSON block, read with JSON.parse and put on the page
// with textContent only, so no text from the run is ever parsed as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var colours = {
    resolved_by_bot: "#2e7d32", resolved_by_human: "#66bb6a", escalated_unresolved: "#ffa726",
    contained_unresolved: "#c62828", abandoned: "#8d6e63", error: "#6a1b9a"
  };

  function outcomeChart() {
    var names = Object.keys(data.outcomes);
    new Chart(document.getElementById("outcome-chart"), {
      type: "bar",
      data: {
        labels: names.map(function (n) { return n.replace(/_/g, " "); }),
        datasets: [{
          label: "conversations",
          data: names.map(function (n) { return data.outcomes[n]; }),
          backgroundColor: names.map(function (n) { return colours[n] || "#90a4ae"; })
        }]
      },
      options: {
        animation: false, maintainAspectRatio: false, indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function timeToHumanChart() {
    var tth = data.time_to_human;
    var top = Math.max.apply(null, [1].concat(tth.bins.map(function (b) { return b.y; })));
    var sla = "SLA " + tth.sla + " s";
    if (tth.within !== null) {
      sla += ": " + (100 * tth.within).toFixed(1) + "% within, at least " +
        (100 * tth.lower).toFixed(1) + "% (95% Wilson lower bound)";
    }
    new Chart(document.getElementById("time-to-human-chart"), {
      type: "bar",
      data: {
        datasets: [
          { type: "bar", label: "conversations", data: tth.bins, backgroundColor: "#546e7a",
            barPercentage: 1.0, categoryPercentage: 1.0 },
          { type: "line", label: sla, borderColor: "#c62828",
            borderWidth: 2, pointRadius: 0,
            data: [{ x: tth.sla, y: 0 }, { x: tth.sla, y: top }] }
        ]
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: {
          x: { type: "linear", beginAtZero: true, title: { display: true, text: "seconds" } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function show(id) {
    var c = data.conversations[id];
    if (!c) { return; }
    document.getElementById("viewer-id").textContent = id;
    document.getElementById("viewer-about").textContent =
      "scenario " + c.scenario + " · persona " + c.persona + " · verdict " + c.verdict +
      " · outcome " + c.outcome + (c.error ? " · error: " + c.error : "");
    var checks = document.getElementById("viewer-checks");
    checks.replaceChildren();
    c.checks.forEach(function (check) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = check.name;
      li.appendChild(name);
      li.appendChild(document.createTextNode(": " + check.message +
        (check.turns.length ? " (turns " + check.turns.join(", ") + ")" : "")));
      checks.appendChild(li);
    });
    document.getElementById("viewer-rerun").textContent = c.replay;
    document.getElementById("viewer-run").textContent = c.rerun;
    var body = document.getElementById("viewer-events");
    body.replaceChildren();
    if (c.events === null) {
      var missing = document.createElement("tr");
      cell(missing, "the transcript file could not be read");
      body.appendChild(missing);
    } else {
      c.events.forEach(function (e) {
        var tr = document.createElement("tr");
        if (c.evidence_turns.indexOf(e[0]) >= 0) { tr.className = "evidence"; }
        cell(tr, e[0]);
        cell(tr, e[1]);
        cell(tr, e[2], /^(customer|bot|agent)$/.test(e[2]) ? "speaker-" + e[2] : "");
        cell(tr, e[3]);
        cell(tr, e[4]);
        body.appendChild(tr);
      });
    }
    var viewer = document.getElementById("viewer");
    viewer.hidden = false;
    viewer.scrollIntoView();
  }

  function copyRerun() {
    var code = document.getElementById("viewer-rerun");
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (navigator.clipboard) {
      navigator.clipboard.writeText(code.textContent).catch(function () { /* selected */ });
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("button.open")) {
      show(target.getAttribute("data-conversation"));
    } else if (target instanceof Element && target.id === "viewer-copy") {
      copyRerun();
    }
  });
  outcomeChart();
  timeToHumanChart();
})();
