// The live panels: one per bike on the board, fed by the server's event stream.
import { colors, describe, fitted, make, timeAxis } from "./charts.js";
import { capitalise, clockTime, duration, number, setZone, shortTime } from "./format.js";

const PANELS_BEFORE_PICKER = 4;

const bikes = new Map(); // serial -> { info, readings, el, charts }
let historySeconds = 300;
let selected = null;
let source = null;
let options = { once: false, bike: null, onBikeChange: () => {} };

const $ = (id) => document.getElementById(id);

export function startLive(opts) {
  options = { ...options, ...opts };
  selected = options.bike;
  $("bike-select").addEventListener("change", (e) => select(e.target.value, true));
  connect();
}

function connect() {
  setConnection("connecting");
  source = new EventSource(options.once ? "/events?once=1" : "/events");
  source.addEventListener("snapshot", (e) => {
    applySnapshot(JSON.parse(e.data));
    setConnection(options.once ? "snapshot" : "live");
  });
  source.addEventListener("update", (e) => applyUpdate(JSON.parse(e.data)));
  source.addEventListener("open", () => { if (!options.once) setConnection("live"); });
  source.addEventListener("error", () => {
    if (options.once) {
      // The finite feed has ended: keep what it sent.
      source.close();
      return;
    }
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (server down, bad answer): try again ourselves.
      setConnection("offline");
      setTimeout(connect, 5000);
    } else {
      setConnection("reconnecting");
    }
  });
}

function setConnection(state) {
  const el = $("conn");
  el.dataset.state = state;
  $("conn-text").textContent = {
    connecting: "Connecting…",
    live: "Live",
    snapshot: "Snapshot",
    reconnecting: "Reconnecting…",
    offline: "Offline – retrying",
  }[state];
}

function applySnapshot(snap) {
  if (snap.zone) setZone(snap.zone);
  historySeconds = snap.history_s || historySeconds;
  const present = new Set(snap.bikes.map((b) => b.bike));
  for (const serial of [...bikes.keys()]) if (!present.has(serial)) remove(serial);
  for (const b of snap.bikes) upsert(b);
  layout();
  for (const bike of bikes.values()) for (const c of Object.values(bike.charts)) describe(c);
  document.body.dataset.live = "ready";
}

function applyUpdate(update) {
  for (const b of update.bikes) upsert(b);
  for (const serial of update.gone || []) remove(serial);
  layout();
}

function upsert(b) {
  let bike = bikes.get(b.bike);
  if (b.full || !bike) {
    if (!bike) bike = create(b.bike);
    bike.info = b;
    bike.readings = b.r.slice();
  } else {
    const last = bike.readings.length ? bike.readings[bike.readings.length - 1][0] : -1;
    for (const r of b.r) if (r[0] > last) bike.readings.push(r);
    const cut = (bike.readings.length ? bike.readings[bike.readings.length - 1][0] : 0) - historySeconds;
    let drop = 0;
    while (drop < bike.readings.length && bike.readings[drop][0] <= cut) drop++;
    if (drop) bike.readings.splice(0, drop);
    Object.assign(bike.info, { status: b.status, alert: b.alert, in_progress: b.in_progress, elapsed_s: b.elapsed_s, last: b.last });
  }
  render(bike);
}

function create(serial) {
  const el = $("bike-template").content.firstElementChild.cloneNode(true);
  el.dataset.bike = serial;
  el.setAttribute("aria-label", "Bike " + serial);
  $("bikes").appendChild(el);
  const bike = { info: null, readings: [], el, charts: {} };
  bike.charts.hr = make(el.querySelector(".c-hr"), lineConfig([
    band("Safe maximum", "+1"), band("Safe minimum", false),
    series("Heart rate", colors.hr, "y"),
  ], {}));
  bike.charts.power = make(el.querySelector(".c-power"), lineConfig([
    series("Power", colors.power, "y", true),
  ], { min: 0, suggestedMax: 200 }));
  bike.charts.rpm = make(el.querySelector(".c-rpm"), lineConfig([
    series("Cadence (rpm)", colors.rpm, "y"),
    series("Resistance", colors.resistance, "y"),
  ], { min: 0, suggestedMax: 120 }));
  bikes.set(serial, bike);
  return bike;
}

function remove(serial) {
  const bike = bikes.get(serial);
  if (!bike) return;
  for (const c of Object.values(bike.charts)) c.destroy();
  bike.el.remove();
  bikes.delete(serial);
}

function band(label, fill) {
  return { label, data: [], borderColor: colors.bandLine, backgroundColor: colors.band, borderWidth: 1,
           borderDash: [4, 3], fill, pointRadius: 0, order: 2 };
}

function series(label, color, axis, filled = false) {
  return { label, data: [], borderColor: color, backgroundColor: filled ? color + "22" : color,
           fill: filled ? "origin" : false, yAxisID: axis, spanGaps: false, tension: 0.25, order: 1 };
}

function lineConfig(datasets, y) {
  return {
    type: "line",
    data: { datasets },
    options: {
      parsing: false,
      normalized: true,
      plugins: { legend: { display: false },
                 tooltip: { callbacks: { title: (items) => items.length ? duration(items[0].parsed.x) : "" } } },
      scales: {
        x: timeAxis({ unit: 1, label: duration }),
        y: { ...y, ticks: { maxTicksLimit: 5, includeBounds: false } },
      },
    },
  };
}

function render(bike) {
  const { info, readings, el } = bike;
  const last = readings.length ? readings[readings.length - 1] : null;
  const idle = info.status !== "riding";
  el.classList.toggle("idle", idle);
  el.querySelector(".bike-serial").textContent = "Bike " + info.bike;
  el.querySelector(".rider-name").textContent = info.rider.name;
  el.querySelector(".rider-meta").textContent =
    " · " + capitalise(info.rider.gender) + " · " + info.rider.age + " years";
  const status = el.querySelector(".status");
  status.textContent = idle ? "Bike not in use" : (info.alert ? "Riding · alert raised" : "Riding");
  status.className = "badge status " + (idle ? "badge-idle" : info.alert ? "badge-alert" : "badge-live");

  const note = el.querySelector(".idle-note");
  note.hidden = !idle;
  if (idle) {
    const lastMs = info.last ? Date.parse(info.last) : null;
    note.textContent = "Bike not in use" + (lastMs ? " – last reading at " + clockTime(lastMs) : "") +
      (info.in_progress ? "" : " (ride ended)");
  }

  // Heart rate 0 means no contact: show the latest real one only while it is current.
  const hr = last && last[1] > 0 ? last[1] : null;
  setValue(el, "hr", hr == null ? "–" : number(hr));
  setValue(el, "power", last ? number(last[3]) : "–");
  setValue(el, "rpm", last ? number(last[2]) : "–");
  setValue(el, "resistance", last ? number(last[4]) : "–");
  setValue(el, "elapsed", duration(info.elapsed_s));
  const { min, max } = info.safe;
  el.querySelector(".range").textContent = "safe " + number(min) + "–" + number(max) + " bpm";

  const warning = el.querySelector(".hr-warning");
  const out = !idle && hr != null && (hr > max || hr < min);
  el.classList.toggle("out-of-range", out);
  warning.hidden = !out;
  if (out) {
    warning.textContent = hr > max
      ? "Heart rate " + hr + " bpm is above the safe maximum of " + number(max) + " bpm"
      : "Heart rate " + hr + " bpm is below the safe minimum of " + number(min) + " bpm";
  }

  const link = el.querySelector(".ride-link");
  link.href = "/dashboard/ride.html?id=" + info.ride;
  link.textContent = "Ride #" + info.ride;
  el.querySelector(".started").textContent = " · started " + shortTime(Date.parse(info.start));

  drawCharts(bike, min, max);
}

function setValue(el, key, text) {
  const v = el.querySelector('[data-k="' + key + '"]');
  if (v.textContent !== text) v.textContent = text;
}

function drawCharts(bike, min, max) {
  const r = bike.readings;
  const lastX = r.length ? r[r.length - 1][0] : 0;
  const firstX = Math.max(0, lastX - historySeconds);
  const hr = [], power = [], rpm = [], res = [];
  for (const [x, h, c, p, s] of r) {
    hr.push({ x, y: h > 0 ? h : null });
    power.push({ x, y: p });
    rpm.push({ x, y: c });
    res.push({ x, y: s });
  }
  const hrChart = bike.charts.hr;
  hrChart.data.datasets[0].data = [{ x: firstX, y: max }, { x: lastX, y: max }];
  hrChart.data.datasets[1].data = [{ x: firstX, y: min }, { x: lastX, y: min }];
  hrChart.data.datasets[2].data = hr;
  // Fitted to the readings shown, so a heart rate far outside the safe range (35 bpm, 210 bpm)
  // stays on the chart; the safe band shows where it lies within that.
  const range = fitted(hr.map((p) => p.y), 10, 10) ?? fitted([min, max], 10, 10);
  if (range && range.max - range.min < 40) range.max = range.min + 40;
  hrChart.options.scales.y.min = range?.min;
  hrChart.options.scales.y.max = range?.max;
  bike.charts.power.data.datasets[0].data = power;
  bike.charts.rpm.data.datasets[0].data = rpm;
  bike.charts.rpm.data.datasets[1].data = res;
  for (const c of Object.values(bike.charts)) {
    c.options.scales.x.min = firstX;
    c.options.scales.x.max = Math.max(lastX, firstX + 60);
    c.update("none");
  }
}

function layout() {
  // Bikes in use first, so the picker opens on someone riding.
  const idle = (s) => (bikes.get(s).info.status === "riding" ? 0 : 1);
  const serials = [...bikes.keys()].sort((a, b) => idle(a) - idle(b) || (a < b ? -1 : a > b ? 1 : 0));
  const container = $("bikes");
  for (const s of serials) container.appendChild(bikes.get(s).el);
  const picker = $("bike-picker");
  const many = serials.length > PANELS_BEFORE_PICKER;
  picker.hidden = !many;
  container.classList.toggle("single", many || serials.length === 1);
  if (many) {
    const sel = $("bike-select");
    const current = [...sel.options].map((o) => o.value).join("|");
    if (current !== serials.join("|")) {
      sel.replaceChildren(...serials.map((s) => new Option("Bike " + s + " – " + bikes.get(s).info.rider.name, s)));
    }
    if (!selected || !bikes.has(selected)) selected = serials[0];
    sel.value = selected;
  }
  for (const s of serials) bikes.get(s).el.hidden = many && s !== selected;
  $("no-bikes").hidden = serials.length > 0;
  const riding = serials.filter((s) => bikes.get(s).info.status === "riding").length;
  $("live-count").textContent = serials.length
    ? riding + " riding" + (serials.length > riding ? " · " + (serials.length - riding) + " not in use" : "")
    : "";
}

function select(serial, announce) {
  selected = serial;
  layout();
  options.onBikeChange(serial);
  if (announce) bikes.get(serial)?.el.focus({ preventScroll: true });
}
