// Chart.js (3.x, Debian's libjs-chart.js) set up once for the whole page.

export const colors = {
  hr: "#e11d48",
  band: "rgba(16, 185, 129, 0.16)",
  bandLine: "rgba(16, 185, 129, 0.55)",
  power: "#4f46e5",
  rpm: "#0d9488",
  resistance: "#d97706",
  rides: "#2563eb",
  riders: "#93c5fd",
  grid: "rgba(15, 23, 42, 0.07)",
  text: "#475569",
};

export function setUpCharts() {
  const C = window.Chart;
  if (!C) throw new Error("Chart.js did not load from /chart.js");
  C.defaults.animation = false;
  C.defaults.responsive = true;
  C.defaults.maintainAspectRatio = false;
  C.defaults.font.family = getComputedStyle(document.body).fontFamily;
  C.defaults.font.size = 12;
  C.defaults.color = colors.text;
  C.defaults.borderColor = colors.grid;
  C.defaults.plugins.legend.labels.boxWidth = 12;
  C.defaults.plugins.legend.labels.boxHeight = 12;
  C.defaults.plugins.tooltip.intersect = false;
  C.defaults.plugins.tooltip.mode = "index";
  C.defaults.elements.point.radius = 0;
  C.defaults.elements.point.hitRadius = 6;
  C.defaults.elements.line.borderWidth = 2;
  return C;
}

// Round steps a time axis may label, in seconds: from 1 s (a short ride) to a week.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
const LABEL_GAP = 14; // px between two neighbouring labels
const MAX_LABELS = 10; // more would fit on a wide screen, but read as a ruler, not as times

/**
 * An x axis over time: ticks on round values (whole minutes, hours, days in the display zone),
 * the finest step whose labels, measured in the axis's own font, all fit side by side. Chart.js
 * would pick its own ticks and may draw long labels on top of each other on a narrow axis.
 * `unit` is how many axis units make a second (1000 for epoch milliseconds, 1 for seconds);
 * `offset(v)` is the display zone's offset from UTC at v, in axis units.
 */
export function timeAxis({ unit, label, offset = () => 0 }) {
  return {
    type: "linear",
    grid: { display: false },
    ticks: { autoSkip: false, maxRotation: 0, minRotation: 0, includeBounds: false, callback: (v) => label(v) },
    afterBuildTicks: (scale) => { scale.ticks = roundTicks(scale, unit, label, offset); },
  };
}

function roundTicks(scale, unit, label, offset) {
  const { min, max, width } = scale;
  if (!(max > min) || !(width > 0)) return [];
  const ctx = scale.ctx;
  ctx.save();
  ctx.font = window.Chart.helpers.toFont(scale.options.ticks.font).string;
  try {
    for (const seconds of STEPS) {
      const step = seconds * unit;
      if ((max - min) / step > MAX_LABELS) continue;
      const shift = offset(min);
      const values = [];
      for (let v = Math.ceil((min + shift) / step) * step - shift; v <= max; v += step) values.push(v);
      if (fits(values, (v) => ctx.measureText(String(label(v))).width, width / (max - min))) {
        return values.map((value) => ({ value }));
      }
    }
    return [{ value: (min + max) / 2 }];
  } finally {
    ctx.restore();
  }
}

function fits(values, measure, pxPerUnit) {
  let previousRight = -Infinity;
  for (const v of values) {
    const half = measure(v) / 2, centre = v * pxPerUnit;
    if (centre - half < previousRight + LABEL_GAP) return false;
    previousRight = centre + half;
  }
  return true;
}

/**
 * Writes what a chart shows onto its canvas as data attributes, for the browser tests (and
 * anyone inspecting the page): points per dataset, the y axis range, the x labels drawn and
 * whether any two of them overlap, measured in the font they are drawn in.
 */
export function describe(chart) {
  const canvas = chart.canvas;
  const present = (p) => (p !== null && typeof p === "object" ? p.y != null : p != null);
  canvas.dataset.points = chart.data.datasets.map((d) => d.data.filter(present).length).join(",");
  const y = chart.scales.y;
  if (y) { canvas.dataset.yMin = String(y.min); canvas.dataset.yMax = String(y.max); }
  const x = chart.scales.x;
  if (x) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.font = window.Chart.helpers.toFont(x.options.ticks.font).string;
    const boxes = x.ticks.map((t, i) => {
      const text = String(t.label ?? ""), w = ctx.measureText(text).width, c = x.getPixelForTick(i);
      return { text, left: c - w / 2, right: c + w / 2 };
    }).filter((b) => b.text !== "");
    ctx.restore();
    boxes.sort((a, b) => a.left - b.left);
    canvas.dataset.xLabels = boxes.map((b) => b.text).join("|");
    canvas.dataset.xOverlap = boxes.some((b, i) => i > 0 && b.left < boxes[i - 1].right) ? "1" : "0";
  }
  markDrawn(canvas);
}

/** The lowest and highest of `values` widened by `pad` and rounded out to `step`; null when there are none. */
export function fitted(values, pad, step) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (v != null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo > hi) return null;
  return { min: Math.max(0, Math.floor((lo - pad) / step) * step), max: Math.ceil((hi + pad) / step) * step };
}

export function make(canvas, config) {
  return new window.Chart(canvas, config);
}

/** Whether anything was painted on a canvas: what a test means by "the chart is drawn". */
export function markDrawn(canvas) {
  const w = canvas.width, h = canvas.height;
  let drawn = false;
  if (w > 0 && h > 0) {
    const data = canvas.getContext("2d").getImageData(0, 0, w, h).data;
    for (let i = 3; i < data.length; i += 16) {
      if (data[i] !== 0) { drawn = true; break; }
    }
  }
  canvas.dataset.drawn = drawn ? "1" : "0";
  return drawn;
}
