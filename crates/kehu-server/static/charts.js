// The report charts, drawn by Apache ECharts (SVG renderer, with its aria description) from the
// data the page carries in each `.chart[data-chart]`. Without script, the server's own SVG in
// <noscript> and the table beneath each chart say the same.
(function () {
  'use strict';
  if (!window.echarts) return;
  // Short amounts for axes and labels: 328万 / 3.28M.
  function compact(lang, n) {
    var a = Math.abs(n);
    function trim(x) { return String(Math.round(x * 100) / 100); }
    if (lang === 'zh') {
      if (a >= 1e8) return trim(n / 1e8) + '亿';
      if (a >= 1e4) return trim(n / 1e4) + '万';
    } else {
      if (a >= 1e9) return trim(n / 1e9) + 'B';
      if (a >= 1e6) return trim(n / 1e6) + 'M';
      if (a >= 1e4) return trim(n / 1e3) + 'K';
    }
    return String(n);
  }
  var charts = [];
  document.querySelectorAll('.chart[data-chart]').forEach(function (el) {
    var d;
    try { d = JSON.parse(el.getAttribute('data-chart')); } catch (e) { return; }
    var narrow = el.clientWidth < 480;
    var chart = window.echarts.init(el, null, { renderer: 'svg' });
    var fmt = function (v) { return compact(d.lang, v); };
    chart.setOption({
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      textStyle: { fontSize: narrow ? 11 : 12 },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: fmt },
      xAxis: { type: 'category', data: d.categories, axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: fmt } },
      series: d.series.map(function (s) {
        return {
          name: s.name, type: 'bar', data: s.data,
          label: { show: !narrow, position: 'top', formatter: function (p) { return p.value ? fmt(p.value) : ''; } },
          labelLayout: { hideOverlap: true },
        };
      }),
    });
    charts.push(chart);
  });
  // Follow the container's width (a phone turned, a window resized).
  if (window.ResizeObserver) {
    var ro = new ResizeObserver(function () { charts.forEach(function (c) { c.resize(); }); });
    document.querySelectorAll('.chart[data-chart]').forEach(function (el) { ro.observe(el); });
  } else {
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }
})();
