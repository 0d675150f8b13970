// A person's score across assessment runs (ECharts line, one line per scheme).
(function () {
  var el = document.getElementById("score-trend");
  var data = document.getElementById("score-chart");
  if (!el || !data || !window.echarts) return;
  var chart = JSON.parse(data.textContent);
  var c = echarts.init(el);
  c.setOption({
    animation: false,
    grid: { left: 36, right: 12, top: 28, bottom: 28 },
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    xAxis: { type: "category", data: chart.months },
    yAxis: { type: "value", min: 0, max: 100 },
    series: chart.series.map(function (s) {
      return { name: s.name, type: "line", data: s.values, connectNulls: false, symbolSize: 7, label: { show: true, position: "top" } };
    }),
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
