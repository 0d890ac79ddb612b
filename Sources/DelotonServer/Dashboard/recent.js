// Recent rides: the charts come added up by the server (/api/recent/charts) and the table a
// page at a time (/api/recent), so a window of a whole fleet's rides stays a small answer.
import { colors, describe, fitted, make, timeAxis } from "./charts.js";
import { axisTime, capitalise, count, dayTime, duration, energy, number, setZone, zoneName, zoneOffsetMs } from "./format.js";

const AGE_GROUPS = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"];
const GENDERS = ["female", "male", "other"];
const HR_BINS = Array.from({ length: 15 }, (_, i) => 50 + i * 10); // 50..190
const PAGE = 50;
const MAX_ROWS = 20000; // the most /api/recent answers with

const $ = (id) => document.getElementById(id);
let data = null;
let table = null;
let state = { hours: 12, gender: "", minAge: null, maxAge: null };
let shown = PAGE;
let charts = null;
let onChange = () => {};
let started = performance.now();
let firstRender = true;
let loading = null;

export function startRecent(initial, { once, onFiltersChange }) {
  state = { ...state, ...initial };
  onChange = onFiltersChange;
  const form = $("filters");
  form.elements.hours.value = String(state.hours);
  if (form.elements.hours.value !== String(state.hours)) {
    form.elements.hours.append(new Option("Last " + state.hours + " hours", String(state.hours)));
    form.elements.hours.value = String(state.hours);
  }
  form.elements.gender.value = state.gender;
  form.elements.min_age.value = state.minAge ?? "";
  form.elements.max_age.value = state.maxAge ?? "";
  let timer = null;
  const changed = () => { clearTimeout(timer); timer = setTimeout(readForm, 120); };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("reset", () => setTimeout(readForm, 0));
  form.addEventListener("submit", (e) => { e.preventDefault(); readForm(); });
  $("more-rides").addEventListener("click", () => { shown = Math.min(MAX_ROWS, shown + 100); load(); });
  load();
  if (!once) setInterval(load, 60000);
}

function readForm() {
  const f = $("filters").elements;
  const age = (v) => (v === "" || !isFinite(+v) ? null : Math.max(0, Math.min(150, Math.round(+v))));
  state = { hours: +f.hours.value || 12, gender: f.gender.value, minAge: age(f.min_age.value), maxAge: age(f.max_age.value) };
  shown = PAGE;
  onChange(state);
  load();
}

/** The window and its filters as the API's query. */
function query() {
  const q = new URLSearchParams({ hours: String(state.hours) });
  if (state.gender) q.set("gender", state.gender);
  if (state.minAge != null) q.set("min_age", String(state.minAge));
  if (state.maxAge != null) q.set("max_age", String(state.maxAge));
  return q;
}

async function fetchJSON(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(path + " answered " + res.status + ": " + (await res.text()));
  return res.json();
}

async function load() {
  const q = query();
  const rides = new URLSearchParams(q);
  rides.set("limit", String(shown));
  const request = Promise.all([fetchJSON("/api/recent/charts?" + q), fetchJSON("/api/recent?" + rides)]);
  loading = request;
  let answers;
  try {
    answers = await request;
  } catch (e) {
    $("recent-range").textContent = "Could not load recent rides – retrying in a minute";
    throw e;
  }
  if (loading !== request) return; // newer filters were asked for meanwhile
  [data, table] = answers;
  if (data.zone) setZone(data.zone);
  render();
}

function render() {
  if (!charts) charts = createCharts();
  renderStats();
  setBars(charts.gender, data.genders);
  setBars(charts.age, data.ages);
  renderTime();
  renderEffort();
  charts.hr.data.datasets[0].data = data.heart_rate.rides;
  charts.hr.update("none");
  renderTable();
  renderEmpty();
  $("recent-range").textContent = dayTime(data.from_ms) + " – " + dayTime(data.to_ms) + " (" + zoneName() + ")";
  $("zone-name").textContent = zoneName();
  for (const c of Object.values(charts)) describe(c);
  if (firstRender) {
    firstRender = false;
    document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  }
  document.body.dataset.recent = "ready";
  document.body.dataset.filter = [state.gender || "all", state.minAge ?? "", state.maxAge ?? ""].join("/");
}

function renderStats() {
  const t = data.totals;
  $("stat-rides").textContent = count(t.rides);
  $("stat-riders").textContent = count(t.riders);
  $("stat-alerts").textContent = count(t.alerts);
  $("stat-alerts").closest(".stat").classList.toggle("has-alerts", t.alerts > 0);
  $("stat-power").textContent = t.avg_power_w == null ? "–" : number(t.avg_power_w) + " W";
  $("stat-energy").textContent = energy(t.energy_kj);
  $("stat-hr").textContent = t.avg_hr == null ? "–" : number(t.avg_hr) + " bpm";
}

function setBars(chart, groups) {
  chart.data.datasets[0].data = groups.rides;
  chart.data.datasets[1].data = groups.riders;
  chart.update("none");
}

/** Power and resistance of the rides by the step they started in, and their running totals. */
function renderTime() {
  const { origin_ms: start, step_ms: size, seconds, energy_kj: kj, resistance_sum: res } = data.starts;
  const avgPower = [], avgRes = [], cumEnergy = [], runRes = [];
  let totalKj = 0, totalSec = 0, totalRes = 0;
  seconds.forEach((sec, i) => {
    const x = start + i * size;
    avgPower.push({ x, y: sec ? (kj[i] * 1000) / sec : null });
    avgRes.push({ x, y: sec ? res[i] / sec : null });
    totalKj += kj[i]; totalSec += sec; totalRes += res[i];
    cumEnergy.push({ x, y: totalKj });
    runRes.push({ x, y: totalSec ? totalRes / totalSec : null });
  });
  for (const [chart, a, b] of [[charts.average, avgPower, avgRes], [charts.cumulative, cumEnergy, runRes]]) {
    chart.data.datasets[0].data = a;
    chart.data.datasets[1].data = b;
    setWindow(chart, start);
    chart.update("none");
  }
}

/** The x axis from the first step's start (at or before the window's) to now. */
function setWindow(chart, start) {
  chart.options.scales.x.min = start;
  chart.options.scales.x.max = data.to_ms;
}

/**
 * Heart rate and power over the window: every ride's averages spread over the time it rode,
 * weighted by its seconds in each step, and the band from the lowest to the highest heart
 * rate any ride in the step reached (so a low or a high alert shows).
 */
function renderEffort() {
  const e = data.effort;
  // The middle of each step; the step still running is drawn at now, the axis's end.
  const at = (i) => Math.min(data.to_ms, e.origin_ms + i * e.step_ms + e.step_ms / 2);
  const points = (values) => values.map((y, i) => ({ x: at(i), y }));
  const chart = charts.effort;
  const [high, low, average, power] = chart.data.datasets;
  high.data = points(e.max_hr);
  low.data = points(e.min_hr);
  average.data = points(e.avg_hr);
  power.data = points(e.avg_power_w);
  const range = fitted([...e.min_hr, ...e.max_hr], 5, 10);
  chart.options.scales.y.min = range?.min;
  chart.options.scales.y.max = range?.max;
  setWindow(chart, e.origin_ms);
  chart.update("none");
}

/** Charts of an empty window say so instead of drawing bare axes. */
function renderEmpty() {
  const filtered = state.gender || state.minAge != null || state.maxAge != null;
  const text = filtered ? "No rides match these filters in this window" : "No rides in this window yet";
  const any = data.totals.rides > 0;
  for (const chart of Object.values(charts)) {
    const figure = chart.canvas.closest("figure");
    figure.dataset.empty = any ? "0" : "1";
    const note = figure.querySelector(".chart-empty");
    note.hidden = any;
    note.textContent = text;
  }
}

function renderTable() {
  const col = Object.fromEntries(table.columns.map((c, i) => [c, i]));
  const rides = table.rides;
  const body = $("rides-body");
  const rows = rides.map((r) => {
    const tr = document.createElement("tr");
    const id = r[col.id];
    const cells = [
      null,
      dayTime(r[col.start_ms]),
      r[col.rider],
      capitalise(r[col.gender]),
      String(r[col.age]),
      r[col.bike],
      duration(r[col.duration_s]) + (r[col.in_progress] ? " …" : ""),
      r[col.avg_hr] == null ? "–" : number(r[col.avg_hr]) + " bpm",
      r[col.avg_power_w] == null ? "–" : number(r[col.avg_power_w]) + " W",
      number(r[col.energy_kj], 1) + " kJ",
      null,
    ];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      if (i === 0) {
        const a = document.createElement("a");
        a.href = "/dashboard/ride.html?id=" + id;
        a.textContent = "#" + id;
        td.append(a);
      } else if (i === 10) {
        if (r[col.alert]) { const s = document.createElement("span"); s.className = "badge badge-alert"; s.textContent = "Alert"; td.append(s); }
        else td.textContent = "–";
      } else {
        td.textContent = text;
      }
      if ([4, 6, 7, 8, 9].includes(i)) td.className = "num";
      tr.append(td);
    });
    return tr;
  });
  body.replaceChildren(...rows);
  if (!rides.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 11; td.className = "empty-row";
    td.textContent = "No rides match these filters in this window.";
    tr.append(td); body.append(tr);
  }
  // The charts' count, which no page of the table bounds.
  const total = Math.max(data.totals.rides, rides.length);
  $("table-note").textContent = table.truncated
    ? "newest " + count(rides.length) + " of " + count(total)
    : count(rides.length) + " ride" + (rides.length === 1 ? "" : "s");
  $("more-rides").hidden = !table.truncated || rides.length >= MAX_ROWS;
}

function createCharts() {
  const bar = (id, labels) => make($(id), {
    type: "bar",
    data: { labels, datasets: [
      { label: "Rides", data: [], backgroundColor: colors.rides, borderRadius: 4, maxBarThickness: 48 },
      { label: "Riders", data: [], backgroundColor: colors.riders, borderRadius: 4, maxBarThickness: 48 },
    ] },
    options: { plugins: { legend: { position: "bottom" } },
               scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const time = () => timeAxis({ unit: 1000, label: (v) => axisTime(v, data.to_ms - data.from_ms), offset: zoneOffsetMs });
  const twoAxes = (id, a, b) => make($(id), {
    type: "line",
    data: { datasets: [
      { label: a.label, data: [], borderColor: a.color, backgroundColor: a.color + "22", fill: a.fill ? "origin" : false, yAxisID: "y", spanGaps: true, tension: 0.3 },
      { label: b.label, data: [], borderColor: b.color, backgroundColor: b.color, yAxisID: "y1", spanGaps: true, tension: 0.3, borderDash: [5, 4] },
    ] },
    options: {
      parsing: false,
      plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { title: tooltipTime } } },
      scales: {
        x: time(),
        y: { beginAtZero: true, title: { display: true, text: a.unit } },
        y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: b.unit } },
      },
    },
  });
  const all = {
    gender: bar("chart-gender", GENDERS.map(capitalise)),
    age: bar("chart-age", AGE_GROUPS),
    average: twoAxes("chart-average",
      { label: "Average power (W)", color: colors.power, unit: "W" },
      { label: "Average resistance", color: colors.resistance, unit: "resistance" }),
    cumulative: twoAxes("chart-cumulative",
      { label: "Cumulative energy (kJ)", color: colors.power, unit: "kJ", fill: true },
      { label: "Running mean resistance", color: colors.resistance, unit: "resistance" }),
    effort: make($("chart-effort"), {
      type: "line",
      // Small points, so a step with riding between two empty ones still shows (a line needs two).
      data: { datasets: [
        { label: "Heart-rate range (lowest–highest)", data: [], borderColor: colors.hr + "55", backgroundColor: colors.hr + "1a",
          borderWidth: 1, fill: "+1", pointRadius: 1.5, pointBackgroundColor: colors.hr + "88", yAxisID: "y", spanGaps: false },
        { label: "Lowest heart rate", data: [], borderColor: colors.hr + "55", borderWidth: 1, fill: false, pointRadius: 1.5,
          pointBackgroundColor: colors.hr + "88", yAxisID: "y", spanGaps: false },
        { label: "Average heart rate (bpm)", data: [], borderColor: colors.hr, backgroundColor: colors.hr, pointRadius: 2,
          yAxisID: "y", spanGaps: false, tension: 0.25 },
        { label: "Average power (W)", data: [], borderColor: colors.power, backgroundColor: colors.power, pointRadius: 2,
          yAxisID: "y1", spanGaps: false, tension: 0.25, borderDash: [5, 4] },
      ] },
      options: {
        parsing: false,
        plugins: { legend: { position: "bottom", labels: { filter: (item) => item.datasetIndex !== 1 } },
                   tooltip: { callbacks: { title: tooltipTime } } },
        scales: {
          x: time(),
          y: { title: { display: true, text: "bpm" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "W" } },
        },
      },
    }),
    hr: make($("chart-hr"), {
      type: "bar",
      data: { labels: HR_BINS.map((b, i) => (i === HR_BINS.length - 1 ? b + "+" : b + "–" + (b + 9))),
              datasets: [{ label: "Rides", data: [], backgroundColor: colors.hr + "cc", borderRadius: 3, categoryPercentage: 0.95, barPercentage: 0.95 }] },
      options: { plugins: { legend: { display: false } },
                 scales: { x: { grid: { display: false }, title: { display: true, text: "average heart rate, bpm" } },
                           y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "rides" } } } },
    }),
  };
  for (const chart of Object.values(all)) {
    const note = document.createElement("p");
    note.className = "chart-empty";
    note.hidden = true;
    chart.canvas.parentElement.append(note);
  }
  return all;
}

function tooltipTime(items) {
  return items.length ? dayTime(items[0].parsed.x) : "";
}
