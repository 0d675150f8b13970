/* The dashboard's charts (ECharts, served locally). Every point and bar leads to the rows behind it. */
(function () {
  "use strict";
  var holder = document.getElementById("kpi-charts");
  if (!holder || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  var unit = data.unit;
  var charts = [];

  function fmt(v) {
    if (v === null || v === undefined) { return "—"; }
    if (unit === "%") { return v.toFixed(1) + " %"; }
    if (unit === "h") { return v.toFixed(2) + " h"; }
    return String(v);
  }

  function drill(chart, urls) {
    chart.on("click", function (p) {
      if (urls[p.dataIndex]) { window.location.href = urls[p.dataIndex]; }
    });
    chart.getZr().on("mousemove", function () { chart.getZr().setCursorStyle("pointer"); });
  }

  function trend(el, t) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var series = {
      type: unit === "n" ? "bar" : "line",
      name: t.name,
      data: t.values,
      connectNulls: false,
      symbolSize: 7, showSymbol: true, showAllSymbol: true, clip: false,
      itemStyle: { color: "#0d6efd" }
    };
    if (t.target !== null && t.target !== undefined && unit !== "n") {
      series.markLine = {
        silent: true, symbol: "none", lineStyle: { color: "#dc3545", type: "dashed" },
        label: { formatter: t.target_label + " " + fmt(t.target), position: "insideEndTop" },
        data: [{ yAxis: t.target }]
      };
    }
    chart.setOption({
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        formatter: function (ps) {
          var p = ps[0];
          return p.axisValue + "<br>" + fmt(p.value) + " (n=" + t.counts[p.dataIndex] + ")";
        }
      },
      xAxis: { type: "category", data: t.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", max: unit === "%" ? 100 : null, axisLabel: { formatter: function (v) { return unit === "%" ? v + "%" : v; } } },
      series: [series]
    });
    drill(chart, t.urls);
    return chart;
  }

  function breakdown(el, b) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var labels = b.labels.slice().reverse(), values = b.values.slice().reverse();
    var urls = b.urls.slice().reverse(), counts = b.counts.slice().reverse();
    chart.setOption({
      grid: { left: 4, right: 48, top: 4, bottom: 4, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) { return p.name + "<br>" + fmt(p.value) + " (n=" + counts[p.dataIndex] + ")"; }
      },
      xAxis: { type: "value", max: unit === "%" ? 100 : null, axisLabel: { show: false }, splitLine: { show: false } },
      yAxis: { type: "category", data: labels, axisLabel: { width: 96, overflow: "truncate" } },
      series: [{
        type: "bar", data: values, barMaxWidth: 18, itemStyle: { color: "#6ea8fe" },
        label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); }, fontSize: 11 }
      }]
    });
    drill(chart, urls);
    el.kpiUrls = urls;
    return chart;
  }

  var t = document.getElementById("kpi-trend");
  if (t) { charts.push(trend(t, data.trend)); }
  data.breakdowns.forEach(function (b) {
    var el = document.getElementById("breakdown-" + b.key);
    if (el) { charts.push(breakdown(el, b)); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.dataset.kpiCharts = "ready";
})();
