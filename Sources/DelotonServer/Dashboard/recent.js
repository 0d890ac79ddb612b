// Recent rides: fetched once per window, filtered and grouped here so filters redraw at once.
import { colors, describe, fitted, make, timeAxis } from "./charts.js";
import { axisTime, capitalise, count, dayTime, duration, energy, number, setZone, zoneName, zoneOffsetMs } from "./format.js";

const AGE_GROUPS = [["<25", 0, 24], ["25-34", 25, 34], ["35-44", 35, 44], ["45-54", 45, 54], ["55-64", 55, 64], ["65+", 65, 999]];
const GENDERS = ["female", "male", "other"];
const HR_BINS = Array.from({ length: 15 }, (_, i) => 50 + i * 10); // 50..190
const PAGE = 50;

const $ = (id) => document.getElementById(id);
let data = null;
let col = {};
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
  $("more-rides").addEventListener("click", () => { shown += 100; renderTable(filtered()); });
  load();
  if (!once) setInterval(load, 60000);
}

function readForm() {
  const f = $("filters").elements;
  const age = (v) => (v === "" || !isFinite(+v) ? null : Math.max(0, Math.min(150, Math.round(+v))));
  const next = { hours: +f.hours.value || 12, gender: f.gender.value, minAge: age(f.min_age.value), maxAge: age(f.max_age.value) };
  const reload = next.hours !== state.hours;
  state = next;
  shown = PAGE;
  onChange(state);
  if (reload) load(); else render();
}

async function load() {
  const hours = state.hours;
  const request = fetch("/api/recent?hours=" + hours).then(async (res) => {
    if (!res.ok) throw new Error("/api/recent answered " + res.status + ": " + (await res.text()));
    return res.json();
  });
  loading = request;
  let body;
  try {
    body = await request;
  } catch (e) {
    $("recent-range").textContent = "Could not load recent rides – retrying in a minute";
    throw e;
  }
  if (loading !== request) return; // a newer window was asked for meanwhile
  data = body;
  col = Object.fromEntries(body.columns.map((c, i) => [c, i]));
  if (body.zone) setZone(body.zone);
  render();
}

function filtered() {
  const { gender, minAge, maxAge } = state;
  const g = col.gender, a = col.age;
  return data.rides.filter((r) => {
    if (gender) {
      const v = r[g];
      if (gender === "other" ? v === "male" || v === "female" : v !== gender) return false;
    }
    if (minAge != null && r[a] < minAge) return false;
    if (maxAge != null && r[a] > maxAge) return false;
    return true;
  });
}

function render() {
  if (!data) return;
  const rides = filtered();
  if (!charts) charts = createCharts();
  renderStats(rides);
  renderGroups(rides);
  renderTime(rides);
  renderEffort(rides);
  renderHeartRate(rides);
  renderTable(rides);
  renderEmpty(rides);
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

function renderStats(rides) {
  let riders = new Set(), alerts = 0, seconds = 0, kj = 0, hrWeighted = 0, hrSeconds = 0;
  for (const r of rides) {
    riders.add(r[col.rider_id]);
    alerts += r[col.alert];
    const d = r[col.duration_s];
    seconds += d;
    kj += r[col.energy_kj];
    if (r[col.avg_hr] != null) { hrWeighted += r[col.avg_hr] * d; hrSeconds += d; }
  }
  $("stat-rides").textContent = count(rides.length);
  $("stat-riders").textContent = count(riders.size);
  $("stat-alerts").textContent = count(alerts);
  $("stat-alerts").closest(".stat").classList.toggle("has-alerts", alerts > 0);
  $("stat-power").textContent = seconds ? number((kj * 1000) / seconds) + " W" : "–";
  $("stat-energy").textContent = energy(kj);
  $("stat-hr").textContent = hrSeconds ? number(hrWeighted / hrSeconds) + " bpm" : "–";
}

function renderGroups(rides) {
  const byGender = new Map(GENDERS.map((g) => [g, { rides: 0, riders: new Set() }]));
  const byAge = AGE_GROUPS.map(() => ({ rides: 0, riders: new Set() }));
  for (const r of rides) {
    const g = byGender.get(GENDERS.includes(r[col.gender]) ? r[col.gender] : "other");
    g.rides++; g.riders.add(r[col.rider_id]);
    const age = r[col.age];
    const i = AGE_GROUPS.findIndex(([, lo, hi]) => age >= lo && age <= hi);
    if (i >= 0) { byAge[i].rides++; byAge[i].riders.add(r[col.rider_id]); }
  }
  const gv = [...byGender.values()];
  setBars(charts.gender, [gv.map((v) => v.rides), gv.map((v) => v.riders.size)]);
  setBars(charts.age, [byAge.map((v) => v.rides), byAge.map((v) => v.riders.size)]);
}

function setBars(chart, series) {
  series.forEach((d, i) => { chart.data.datasets[i].data = d; });
  chart.update("none");
}

function binSize(hours) {
  if (hours <= 1) return 5 * 60e3;
  if (hours <= 3) return 10 * 60e3;
  if (hours <= 12) return 30 * 60e3;
  if (hours <= 24) return 60 * 60e3;
  if (hours <= 72) return 3 * 60 * 60e3;
  return 6 * 60 * 60e3;
}

function renderTime(rides) {
  const size = binSize(data.hours);
  const start = Math.floor(data.from_ms / size) * size;
  const n = Math.max(1, Math.ceil((data.to_ms - start) / size));
  const seconds = new Array(n).fill(0), kj = new Array(n).fill(0), res = new Array(n).fill(0);
  for (const r of rides) {
    const i = Math.min(n - 1, Math.max(0, Math.floor((r[col.start_ms] - start) / size)));
    const d = r[col.duration_s];
    seconds[i] += d;
    kj[i] += r[col.energy_kj];
    res[i] += (r[col.avg_resistance] ?? 0) * d;
  }
  const avgPower = [], avgRes = [], cumEnergy = [], runRes = [];
  let totalKj = 0, totalSec = 0, totalRes = 0;
  for (let i = 0; i < n; i++) {
    const x = start + i * size;
    avgPower.push({ x, y: seconds[i] ? (kj[i] * 1000) / seconds[i] : null });
    avgRes.push({ x, y: seconds[i] ? res[i] / seconds[i] : null });
    totalKj += kj[i]; totalSec += seconds[i]; totalRes += res[i];
    cumEnergy.push({ x, y: totalKj });
    runRes.push({ x, y: totalSec ? totalRes / totalSec : null });
  }
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

// About a hundred points across any window, on round steps.
const EFFORT_STEPS = [60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3];

/**
 * Heart rate and power over the window: every ride's averages spread over the time it rode,
 * weighted by its seconds in each step, and the band from the lowest to the highest heart
 * rate any ride in the step reached (so a low or a high alert shows).
 */
function renderEffort(rides) {
  const span = data.to_ms - data.from_ms;
  const size = EFFORT_STEPS.find((s) => span / s <= 120) ?? EFFORT_STEPS[EFFORT_STEPS.length - 1];
  const start = Math.floor(data.from_ms / size) * size;
  const n = Math.max(1, Math.ceil((data.to_ms - start) / size));
  const sec = new Array(n).fill(0), hrSec = new Array(n).fill(0), hr = new Array(n).fill(0), watts = new Array(n).fill(0);
  const lo = new Array(n).fill(null), hi = new Array(n).fill(null);
  for (const r of rides) {
    const from = r[col.start_ms], to = from + r[col.duration_s] * 1000;
    const first = Math.max(0, Math.floor((from - start) / size)), last = Math.min(n - 1, Math.floor((to - 1 - start) / size));
    for (let i = first; i <= last; i++) {
      const s = (Math.min(to, start + (i + 1) * size) - Math.max(from, start + i * size)) / 1000;
      if (!(s > 0)) continue;
      sec[i] += s;
      watts[i] += (r[col.avg_power_w] ?? 0) * s;
      if (r[col.avg_hr] != null) { hr[i] += r[col.avg_hr] * s; hrSec[i] += s; }
      const min = r[col.min_hr], max = r[col.max_hr];
      if (min != null && min > 0) lo[i] = lo[i] == null ? min : Math.min(lo[i], min);
      if (max != null && max > 0) hi[i] = hi[i] == null ? max : Math.max(hi[i], max);
    }
  }
  // The middle of each step; the step still running is drawn at now, the axis's end.
  const at = (i) => Math.min(data.to_ms, start + i * size + size / 2);
  const chart = charts.effort;
  const [high, low, average, power] = chart.data.datasets;
  high.data = hi.map((y, i) => ({ x: at(i), y }));
  low.data = lo.map((y, i) => ({ x: at(i), y }));
  average.data = hr.map((h, i) => ({ x: at(i), y: hrSec[i] ? h / hrSec[i] : null }));
  power.data = watts.map((w, i) => ({ x: at(i), y: sec[i] ? w / sec[i] : null }));
  const range = fitted([...lo, ...hi], 5, 10);
  chart.options.scales.y.min = range?.min;
  chart.options.scales.y.max = range?.max;
  setWindow(chart, start);
  chart.update("none");
}

/** Charts of an empty window say so instead of drawing bare axes. */
function renderEmpty(rides) {
  const text = !data.rides.length ? "No rides in this window yet" : "No rides match these filters in this window";
  for (const chart of Object.values(charts)) {
    const figure = chart.canvas.closest("figure");
    figure.dataset.empty = rides.length ? "0" : "1";
    const note = figure.querySelector(".chart-empty");
    note.hidden = rides.length > 0;
    note.textContent = text;
  }
}

function renderHeartRate(rides) {
  const counts = new Array(HR_BINS.length).fill(0);
  for (const r of rides) {
    const hr = r[col.avg_hr];
    if (hr == null) continue;
    const i = Math.min(HR_BINS.length - 1, Math.max(0, Math.floor((hr - HR_BINS[0]) / 10)));
    counts[i]++;
  }
  charts.hr.data.datasets[0].data = counts;
  charts.hr.update("none");
}

function renderTable(rides) {
  const body = $("rides-body");
  const rows = rides.slice(0, shown).map((r) => {
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
  $("table-note").textContent = rides.length > shown
    ? "newest " + count(shown) + " of " + count(rides.length)
    : count(rides.length) + " ride" + (rides.length === 1 ? "" : "s");
  $("more-rides").hidden = rides.length <= shown;
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
    age: bar("chart-age", AGE_GROUPS.map(([l]) => l)),
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
