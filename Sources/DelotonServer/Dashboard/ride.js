// One ride's page: its figures and its readings charted over ride time. The readings come from
// the API (`/ride/N?expanded=true`) with this browser's session, so the page shows nothing
// without the credential the dashboard needs.
import { colors, describe, fitted, make, setUpCharts, timeAxis } from "./charts.js";
import { capitalise, duration, energy, number } from "./format.js";

const $ = (id) => document.getElementById(id);

function notice(text, link) {
  const box = $("notice");
  box.hidden = false;
  box.textContent = text + " ";
  if (link) {
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    box.append(a);
  }
  document.body.dataset.ride = "notice";
}

/** "25 Jul 2022, 16:12" from the API's local ISO 8601 time: already in the server's display zone. */
function localTime(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  if (!m) return "";
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][+m[2] - 1] ?? m[2];
  return +m[3] + " " + month + " " + m[1] + ", " + m[4] + ":" + m[5];
}

function lineChart(canvas, datasets, y) {
  return make(canvas, {
    type: "line",
    data: { datasets },
    options: {
      parsing: false,
      normalized: true,
      plugins: { legend: { display: datasets.length > 1, position: "bottom" },
                 tooltip: { callbacks: { title: (items) => (items.length ? duration(items[0].parsed.x) : "") } } },
      scales: { x: timeAxis({ unit: 1, label: duration }), y },
    },
  });
}

function line(label, color, data, axis = "y") {
  return { label, data, borderColor: color, backgroundColor: color + "22", yAxisID: axis, spanGaps: false,
           tension: 0.2, borderWidth: 1.5 };
}

async function load() {
  const id = new URLSearchParams(location.search).get("id") ?? "";
  if (!/^[0-9]{1,18}$/.test(id)) return notice("No ride was asked for.", { href: "/", text: "Open the live dashboard" });
  document.title = "deloton · ride #" + id;
  $("ride-title").textContent = "Ride #" + id;
  $("ride-json").href = "/ride/" + id + "?expanded=true";

  const res = await fetch("/ride/" + id + "?expanded=true", { cache: "no-store" });
  if (res.status === 401) return notice("This ride needs a sign-in.", { href: "/", text: "Sign in on the live dashboard" });
  if (res.status === 404) return notice("There is no ride #" + id + ".", { href: "/", text: "Back to the live dashboard" });
  if (!res.ok) throw new Error("/ride/" + id + " answered " + res.status);
  const ride = await res.json();
  const riderRes = await fetch("/rider/" + ride.rider_id, { cache: "no-store" });
  const rider = riderRes.ok ? await riderRes.json() : null;

  $("main").hidden = false;
  $("ride-h").textContent = "Ride #" + ride.id + " · bike " + ride.bike_serial;
  $("ride-when").textContent = localTime(ride.start_time) + (ride.end_time ? " – " + localTime(ride.end_time).split(", ")[1] : "");
  const status = $("ride-status");
  status.textContent = ride.alert_sent ? "Heart-rate alert" : ride.in_progress ? "In progress" : "Finished";
  status.className = "badge " + (ride.alert_sent ? "badge-alert" : ride.in_progress ? "badge-live" : "badge-idle");
  if (rider) {
    $("rider-name").textContent = rider.name;
    $("rider-meta").textContent = " · " + capitalise(rider.gender) + " · " + rider.age + " years";
  }
  $("stat-duration").textContent = duration(ride.duration_s);
  $("stat-hr").textContent = ride.avg_heart_rate == null ? "–" : number(ride.avg_heart_rate) + " bpm";
  $("stat-hr-range").textContent = ride.min_heart_rate == null ? "–" : number(ride.min_heart_rate) + "–" + number(ride.max_heart_rate);
  $("stat-power").textContent = ride.avg_power_w == null ? "–" : number(ride.avg_power_w) + " W";
  $("stat-energy").textContent = energy(ride.total_energy_kj);
  $("stat-rpm").textContent = ride.avg_rpm == null ? "–" : number(ride.avg_rpm) + " · " + number(ride.avg_resistance);

  setUpCharts();
  const readings = ride.readings ?? [];
  // Heart rate 0 is no contact with the sensor: a gap, not a fall to zero.
  const hr = readings.map((r) => ({ x: r.elapsed_s, y: r.heart_rate > 0 ? r.heart_rate : null }));
  const power = readings.map((r) => ({ x: r.elapsed_s, y: r.power_w }));
  const rpm = readings.map((r) => ({ x: r.elapsed_s, y: r.rpm }));
  const resistance = readings.map((r) => ({ x: r.elapsed_s, y: r.resistance }));
  const range = fitted(hr.map((p) => p.y), 10, 10);
  const last = readings.length ? readings[readings.length - 1].elapsed_s : 60;
  const charts = [
    lineChart($("chart-hr"), [line("Heart rate", colors.hr, hr)], { min: range?.min, max: range?.max }),
    lineChart($("chart-power"), [line("Power", colors.power, power)], { beginAtZero: true }),
    lineChart($("chart-rpm"), [line("Cadence (rpm)", colors.rpm, rpm), line("Resistance", colors.resistance, resistance)],
              { beginAtZero: true }),
  ];
  for (const c of charts) {
    c.options.scales.x.min = 0;
    c.options.scales.x.max = Math.max(last, 60);
    c.update("none");
    describe(c);
  }
  if (!readings.length) notice("This ride has no readings yet.");
  document.body.dataset.ride = "ready";
}

load();
