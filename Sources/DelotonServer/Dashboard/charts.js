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
