// Boots the page: asks whether this browser is signed in (the session is an HttpOnly cookie the
// page never sees), then reads the filters from the address (so a link shows the same view),
// starts the live feed and the recent rides, and keeps the address in step.
import { setUpCharts } from "./charts.js";
import { clockTime } from "./format.js";
import { startLive } from "./live.js";
import { startRecent } from "./recent.js";
import { sessionState, showSignIn, showSignOut } from "./session.js";

const params = new URLSearchParams(location.search);
const once = params.get("once") === "1";
const int = (v) => (v == null || v === "" || !isFinite(+v) ? null : Math.round(+v));

function syncAddress(changes) {
  const p = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v == null || v === "" || (k === "hours" && v === 12)) p.delete(k); else p.set(k, String(v));
  }
  const q = p.toString();
  history.replaceState(null, "", q ? "?" + q : location.pathname);
}

function start() {
  document.getElementById("main").hidden = false;
  setUpCharts();

  startLive({
    once,
    bike: params.get("bike"),
    onBikeChange: (bike) => syncAddress({ bike }),
  });

  startRecent({
    hours: int(params.get("hours")) ?? 12,
    gender: (params.get("gender") || "").toLowerCase().replace("all", ""),
    minAge: int(params.get("min_age")),
    maxAge: int(params.get("max_age")),
  }, {
    once,
    onFiltersChange: (s) => syncAddress({ hours: s.hours, gender: s.gender, min_age: s.minAge, max_age: s.maxAge }),
  });
}

const session = await sessionState();
if (session.mustSignIn) {
  showSignIn();
} else {
  if (session.signedIn) showSignOut();
  start();
}

const clock = document.getElementById("clock");
const tick = () => { clock.textContent = clockTime(Date.now()); };
tick();
if (!once) setInterval(tick, 1000);
