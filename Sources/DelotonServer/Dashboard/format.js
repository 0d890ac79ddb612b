// Numbers and times as the page shows them: always with their unit, times in the server's
// display zone rather than the browser's.

let zone = "Europe/London";
const formatters = new Map();

export function setZone(name) {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: name });
    zone = name;
  } catch {
    zone = "UTC";
  }
  formatters.clear();
}

export function zoneName() { return zone; }

function formatter(key, options) {
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: zone, ...options });
    formatters.set(key, f);
  }
  return f;
}

export function clockTime(ms) {
  return formatter("hms", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(ms);
}

export function shortTime(ms) {
  return formatter("hm", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
}

export function dayTime(ms) {
  return formatter("dhm", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
}

/** "3 Dec". */
export function day(ms) {
  return formatter("d", { day: "numeric", month: "short" }).format(ms);
}

/** How far the display zone is ahead of UTC at `ms`, in milliseconds: for round local hours on time axes. */
export function zoneOffsetMs(ms) {
  const parts = {};
  for (const p of formatter("offset", { year: "numeric", month: "numeric", day: "numeric", hour: "numeric",
                                        minute: "numeric", second: "numeric", hourCycle: "h23" }).formatToParts(ms)) {
    parts[p.type] = +p.value;
  }
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return isFinite(local) ? local - Math.floor(ms / 1000) * 1000 : 0;
}

/** A label for a time axis spanning `spanMs`: clock times within a day, with the date beyond. */
export function axisTime(ms, spanMs) {
  if (spanMs <= 86400e3) return shortTime(ms);
  return shortTime(ms) === "00:00" ? day(ms) : dayTime(ms);
}

/** `1:02:03` or `12:05`. */
export function duration(seconds) {
  if (seconds == null || !isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return (h > 0 ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
}

const grouped = new Intl.NumberFormat("en-GB");
const oneDecimal = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const noDecimal = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });

export function count(n) { return grouped.format(n); }

export function number(v, decimals = 0) {
  if (v == null || !isFinite(v)) return "–";
  return (decimals === 1 ? oneDecimal : noDecimal).format(v);
}

/** Energy in kJ, switching to MJ when large. */
export function energy(kj) {
  if (kj == null || !isFinite(kj)) return "–";
  return kj >= 10000 ? oneDecimal.format(kj / 1000) + " MJ" : noDecimal.format(kj) + " kJ";
}

export function capitalise(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
