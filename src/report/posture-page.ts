/**
 * The posture page's own stylesheet and script. Both are inline and hashed into the page's
 * Content-Security-Policy. The script reads the JSON data island, draws the charts with Chart.js and
 * filters the RBAC graph; it writes text only through textContent and Chart.js's canvas, never HTML.
 */

/** Heights a chart box may have (no inline styles: the policy forbids them). */
export const CHART_HEIGHTS = [140, 180, 220, 260, 300, 360, 440, 560, 700] as const;

export function heightClass(pixels: number): string {
  return `h${CHART_HEIGHTS.find((height) => height >= pixels) ?? CHART_HEIGHTS.at(-1)}`;
}

const HEAT = Array.from({ length: 11 }, (_, level) => {
  // white to deep blue; text turns white where the cell is dark
  const lightness = 97 - level * 6.5;
  return `.heat-${level}{background:hsl(212 70% ${lightness}%);${level >= 6 ? 'color:#fff;' : ''}}`;
}).join('');

export const PAGE_STYLE = `
:root{--fg:#1b1f24;--muted:#5a6270;--line:#c9d1d9;--bg:#fff;--panel:#f6f8fa;--link:#0b5cad;--critical:#8e0f1f;--high:#b34700;--medium:#7a5c00;--low:#1f4e8c;--info:#555;}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#000;color:#fff;padding:.5em 1em;z-index:10}
.skip:focus{left:0}
header{padding:1.5rem 2rem 1rem;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{margin:0 0 .3rem;font-size:1.7rem}
.meta{margin:0;color:var(--muted)}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;margin:.8rem 0 0;padding:0}
main{padding:0 2rem 2rem;max-width:1400px}
section{margin-top:2rem}
section.stage{border-top:4px solid var(--line);padding-top:.5rem}
h2{font-size:1.4rem;margin:.5rem 0}
h3{font-size:1.1rem;margin:1.4rem 0 .4rem}
.question{color:var(--muted);font-style:italic;margin-top:0}
.note,.empty{color:var(--muted)}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--panel)}
td.num,td.value{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.detail{color:var(--muted);max-width:40em}
.code,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}
.scroll{overflow:auto;max-width:100%}
.sev{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.8rem;font-weight:700;text-transform:uppercase;border:1px solid currentColor}
.sev-critical{color:var(--critical)}.sev-high{color:var(--high)}.sev-medium{color:var(--medium)}.sev-low{color:var(--low)}.sev-info{color:var(--info)}
.sev-critical::before{content:"▲ "}.sev-high::before{content:"◆ "}.sev-medium::before{content:"■ "}.sev-low::before{content:"● "}.sev-info::before{content:"○ "}
ol.findings{padding-left:1.4rem}
li.finding{margin:.6rem 0;padding:.4rem .6rem;border-left:3px solid var(--line);background:var(--panel)}
li.finding p{margin:.15rem 0;overflow-wrap:anywhere}
.fix{color:#14532d}
figure{margin:1rem 0}
figcaption{color:var(--muted);font-size:.9rem}
.canvas-box{position:relative;width:100%;max-width:900px}
${CHART_HEIGHTS.map((height) => `.h${height}{height:${height}px}`).join('')}
.trend-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:1rem}
.trend .canvas-box{max-width:none}
.heatmap td{text-align:center;min-width:2.6em;font-variant-numeric:tabular-nums}
.heatmap thead th span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;max-height:14em;overflow:hidden;display:inline-block}
.heat-na{background:#eee;color:var(--muted)}
${HEAT}
.muted{color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.5rem;background:var(--panel);border:1px solid var(--line)}
.filters input[type=search]{min-width:16em}
.graph{overflow:auto;border:1px solid var(--line);max-height:80vh}
.graph svg{display:block;max-width:100%;height:auto}
.graph .node rect{fill:#fff;stroke:#57606a;stroke-width:1}
.graph .node.subject rect{fill:#eef4ff}
.graph .node.binding rect{fill:#f6f8fa}
.graph .node.role rect{fill:#fff8e6}
.graph .node.permission rect{fill:#fdecec;stroke:var(--critical)}
.graph .node.esc rect{stroke:var(--critical);stroke-width:4;stroke-dasharray:none}
.graph .node text{font:12px system-ui,sans-serif;fill:#1b1f24}
.graph .link{fill:none;stroke:#8c959f;stroke-width:1.2}
.graph .link.esc{stroke:var(--critical);stroke-width:3;stroke-dasharray:6 3}
.graph .off{display:none}
.graph .lit rect{stroke:#f2a900;stroke-width:4}
.graph .column{font:600 13px system-ui,sans-serif;fill:var(--muted)}
.esc-mark{color:var(--critical);font-weight:700}
.outcome-stopped,.outcome-detected{font-weight:700}
ul.paths li,ul.internet li{margin:.3rem 0;overflow-wrap:anywhere}
footer{padding:1rem 2rem;color:var(--muted);border-top:1px solid var(--line)}
@media print{nav,.filters,.skip{display:none}.graph{max-height:none}}
`;

export const PAGE_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('kubeward-data').textContent);
  var COLOUR = { critical: '#8e0f1f', high: '#d45500', medium: '#c9a400', low: '#2f6db5', info: '#8c959f' };
  var SHAPE = { critical: 'triangle', high: 'rectRot', medium: 'rect', low: 'circle', info: 'crossRot' };
  var PRIORITIES = ['critical', 'high', 'medium', 'low', 'info'];
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.color = '#1b1f24';
  function byId(id) { return document.getElementById(id); }
  function time(ms) { return new Date(ms).toISOString().replace('T', ' ').slice(0, 19); }

  function bars(id, rows, label) {
    var canvas = byId(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map(function (row) { return row[0]; }),
        datasets: [{ label: label, data: rows.map(function (row) { return row[1]; }),
          backgroundColor: rows.map(function (row) { return COLOUR[row[2]] || '#2f6db5'; }), borderColor: '#1b1f24', borderWidth: 1 }]
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  bars('chart-registries', data.registries, 'containers');
  bars('chart-findings-by-rule', data.findingsByRule, 'findings');
  bars('chart-alerts-by-rule', data.alertsByRule, 'alerts');

  var timeline = byId('chart-timeline');
  if (timeline) {
    new Chart(timeline, {
      type: 'scatter',
      data: {
        datasets: PRIORITIES.map(function (priority) {
          return { label: priority, pointStyle: SHAPE[priority], backgroundColor: COLOUR[priority], borderColor: '#1b1f24', pointRadius: 7, pointHoverRadius: 9,
            data: data.timeline.filter(function (alert) { return alert[2] === priority; })
              .map(function (alert) { return { x: alert[0], y: alert[1], rule: alert[3], principal: alert[4] }; }) };
        }).filter(function (dataset) { return dataset.data.length > 0; })
      },
      options: {
        plugins: { legend: { labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (item) { return item.raw.rule + ' · ' + item.raw.principal + ' · ' + time(item.raw.x); } } } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'time (UTC)' }, ticks: { callback: function (value) { return time(value).slice(11); } } },
          y: { type: 'category', labels: data.steps, offset: true, title: { display: true, text: 'attack step' } }
        }
      }
    });
  }

  document.querySelectorAll('canvas[data-trend]').forEach(function (canvas) {
    var index = Number(canvas.id.slice('trend-'.length));
    var trend = data.trends[index];
    if (!trend) return;
    new Chart(canvas, {
      type: 'line',
      data: { labels: data.runs.map(function (run) { return run.slice(0, 16).replace('T', ' '); }),
        datasets: [{ label: trend[0], data: trend[2], borderColor: '#2f6db5', backgroundColor: '#2f6db5', pointStyle: 'rectRot', pointRadius: 5, spanGaps: false }] },
      options: { plugins: { legend: { display: false } },
        scales: { x: { ticks: { maxRotation: 0, autoSkip: true } }, y: { beginAtZero: true, ticks: trend[1] === 'count' ? { precision: 0 } : {} } } }
    });
  });

  var form = byId('rbac-filter');
  if (form) {
    var forward = {};
    var backward = {};
    data.graph.forEach(function (link) {
      (forward[link[0]] = forward[link[0]] || []).push(link[1]);
      (backward[link[1]] = backward[link[1]] || []).push(link[0]);
    });
    var graph = byId('rbac-graph');
    var nodes = Array.prototype.slice.call(graph.querySelectorAll('[data-node]'));
    var links = Array.prototype.slice.call(graph.querySelectorAll('[data-source]'));
    var reached = function (start, allowed) {
      var seen = {}; var edges = {}; var stack = [start]; seen[start] = true;
      while (stack.length) {
        var current = stack.pop();
        (forward[current] || []).forEach(function (next) {
          if (allowed && !allowed[next]) return;
          edges[current + '\\n' + next] = true;
          if (!seen[next]) { seen[next] = true; stack.push(next); }
        });
      }
      return { nodes: seen, edges: edges };
    };
    var ancestors = function (target) {
      var seen = {}; var stack = [target]; seen[target] = true;
      while (stack.length) {
        (backward[stack.pop()] || []).forEach(function (previous) { if (!seen[previous]) { seen[previous] = true; stack.push(previous); } });
      }
      return seen;
    };
    var apply = function () {
      var text = byId('rbac-text').value.trim().toLowerCase();
      var risk = byId('rbac-risk').value;
      var escalating = byId('rbac-escalation').checked;
      var allowed = risk ? ancestors(risk) : null;
      var visible = {}; var edges = {}; var count = 0;
      nodes.forEach(function (node) {
        if (node.dataset.type !== 'subject') return;
        if (text && node.dataset.search.indexOf(text) < 0) return;
        if (escalating && node.dataset.escalates !== 'true') return;
        if (allowed && !allowed[node.dataset.node]) return;
        var walk = reached(node.dataset.node, allowed);
        count++;
        Object.keys(walk.nodes).forEach(function (id) { visible[id] = true; });
        Object.keys(walk.edges).forEach(function (id) { edges[id] = true; });
      });
      nodes.forEach(function (node) { node.classList.toggle('off', !visible[node.dataset.node]); });
      links.forEach(function (link) { link.classList.toggle('off', !edges[link.dataset.source + '\\n' + link.dataset.target]); });
      byId('rbac-count').textContent = count + (count === 1 ? ' subject shown' : ' subjects shown');
    };
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    byId('rbac-text').addEventListener('input', apply);
    byId('rbac-risk').addEventListener('change', apply);
    byId('rbac-escalation').addEventListener('change', apply);
    var light = function (id, on) {
      var walk = reached(id, null);
      nodes.forEach(function (node) { if (walk.nodes[node.dataset.node]) node.classList.toggle('lit', on); });
    };
    nodes.forEach(function (node) {
      if (node.dataset.type !== 'subject') return;
      node.addEventListener('focus', function () { light(node.dataset.node, true); });
      node.addEventListener('blur', function () { light(node.dataset.node, false); });
    });
  }
  document.documentElement.setAttribute('data-rendered', String(Math.round(performance.now())));
})();
`;
