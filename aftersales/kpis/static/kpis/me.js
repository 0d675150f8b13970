(function () {
  "use strict";
  var holder = document.getElementById("me-trend-data"), el = document.getElementById("me-trend");
  if (!holder || !el || !window.echarts) { return; }
  var t = JSON.parse(holder.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", formatter: function (ps) { var p = ps[0]; return p.axisValue + "<br>" + (p.value === null || p.value === undefined ? "—" : p.value.toFixed(1) + " %") + " (n=" + t.counts[p.dataIndex] + ")"; } },
    xAxis: { type: "category", data: t.labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "line", name: t.name, data: t.values, symbolSize: 7, showSymbol: true, showAllSymbol: true, clip: false,
      markLine: t.target ? { silent: true, symbol: "none", lineStyle: { color: "#dc3545", type: "dashed" }, label: { position: "insideEndTop" }, data: [{ yAxis: t.target }] } : undefined }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
