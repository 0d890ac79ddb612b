#!/usr/bin/env python3
"""Writes the fuzz target's seed inputs into OUT_DIR.

Seeds are cut from the real capture (Tests/Fixtures/real-sample.jsonl) and completed with
hand-written hostile lines. `scripts/fuzz.sh --seeds` merges them into Fuzz/corpus/.
Inputs larger than the fuzzing length limit (64 KiB: the 100000-bracket lines) are written to
Fuzz/regressions/ instead: a seed that large makes libFuzzer mutate every input at that length,
which cut the execution rate tenfold. CI replays them whole.
Usage: Fuzz/make-seeds.py OUT_DIR
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "Tests" / "Fixtures" / "real-sample.jsonl"
DEV = "mendoza v9"

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
REGRESSIONS = ROOT / "Fuzz" / "regressions"
MAX_LEN = 65536
real = SAMPLE.read_bytes().splitlines()


def wire(line, key=None):
    """One message value as the producer writes it (Python json.dumps default style)."""
    obj = {"log": line + "\n"} if key is None else {"key": key, "log": line + "\n"}
    return json.dumps(obj).encode()


def log_of(message):
    return json.loads(message)["log"].rstrip("\n")


def save(name, lines):
    data = b"\n".join(l if isinstance(l, bytes) else l.encode("utf-8", "surrogatepass") for l in lines) + b"\n"
    if len(data) > MAX_LEN:
        REGRESSIONS.mkdir(exist_ok=True)
        (REGRESSIONS / name).write_bytes(data)
    else:
        (out / name).write_bytes(data)


def system(ts, **fields):
    """A [SYSTEM] line from the first real profile with some members replaced as raw JSON text."""
    profile = json.loads(log_of(real[3]).split(" data = ", 1)[1])
    members = [f'"{k}":{json.dumps(v, separators=(",", ":"))}' for k, v in profile.items()]
    for k, raw in fields.items():
        members = [m for m in members if not m.startswith(f'"{k}":')] + [f'"{k}":{raw}']
    return f"{ts} {DEV}: [SYSTEM] data = {{{','.join(members)}}}"


def ride_start(ts="2022-07-06 23:38:15", **fields):
    return ["--------- beginning of main", "--------- beginning of a new ride",
            f"{ts}.445298 {DEV}: Getting user data from server..", system(f"{ts}.945298", **fields)]


def readings(first, count, ts="2022-07-06 23:38:1", hrt=100):
    lines = []
    for d in range(first, first + count):
        lines.append(f"{ts}{d % 10}.445298 {DEV}: [INFO]: Ride - duration = {d}.0; resistance = 30")
        lines.append(f"{ts}{d % 10}.945298 {DEV}: [INFO]: Telemetry - hrt = {hrt}; rpm = 50; power = 14.5")
    return lines


# Real windows: the ride start, mid-ride (readings before any [SYSTEM]), the resistance block, the end.
for name, lo, hi in [("real-start", 0, 40), ("real-mid", 300, 340), ("real-block", 230, 290), ("real-end", 960, 1000)]:
    save(name + ".jsonl", real[lo:hi])
# The same lines as a bike writes them to its own log file (no JSON envelope).
save("real-start.log", [log_of(m) for m in real[0:40]])
# A ride ends at the next boundary pair; a second rider follows with durations back at 1.
save("real-boundary.jsonl", real[970:1000] + [wire(l) for l in ride_start(user_id="4527")] +
     [wire(l) for l in readings(1, 8)])
# Two bikes interleaved, told apart by the message key (the simulator's envelope).
save("two-keys.jsonl", [wire(log_of(m), key="bike-1") for m in real[0:20]] +
     [wire(l, key="bike-2") for l in ride_start(user_id="7")] + [wire(l, key="bike-2") for l in readings(1, 6)])
# A redelivery: the ride's start seen again after some readings (duplicates, not a reset).
save("redelivery.jsonl", real[0:30] + real[0:40])
# Many readings out of range in a row: the heart-rate alert path.
save("alert.jsonl", [wire(l) for l in ride_start(date_of_birth="-842140800000") + readings(1, 12, hrt=220)])

# Hostile [SYSTEM] payloads, each inside a complete short ride.
hostile_system = {
    "dob-min": dict(date_of_birth="-9223372036854775808"),
    "dob-max": dict(date_of_birth="9223372036854775807"),
    "created-min": dict(account_create_date="-9223372036854775808"),
    "uid-neg-zero": dict(user_id="-0"),
    "uid-2p63": dict(user_id="9223372036854775808"),
    "uid-2p64": dict(user_id="18446744073709551616"),
    "uid-1e400": dict(user_id="1e400"),
    "uid-float": dict(user_id="100.5"),
    "height-huge": dict(height_cm="9223372036854775807", weight_kg="-9223372036854775808"),
    "nul-name": dict(name=json.dumps("Mr\u0000 \u0000"), email_address=json.dumps("a\u0000@b.com"),
                     address=json.dumps("\u0000,\u0001,\u001f")),
    "ctl-address": dict(address=json.dumps("Flat \u0007,\u001b[2J,\u007f,E68 8SH"), name=json.dumps("\t\u000b\u000c")),
    "crlf-email": dict(email_address=json.dumps("a@b.com\r\nBcc: victim@example.com")),
    "empty-strings": dict(name='""', address='""', gender='""', bike_serial='""', email_address='""'),
    "address-commas": dict(address=json.dumps("," * 50)),
    "name-titles": dict(name=json.dumps("Dr. Mr Mrs")),
    "unicode": dict(name=json.dumps("Zoë Ångström-🚴"), address=json.dumps("\ud800,\udfff,\ufffe")),
    "null-member": dict(name="null"),
    "nested-1e5": dict(address="[" * 100000 + "]" * 100000),
    "nested-5000": dict(address="[" * 5000 + "]" * 5000),
}
for name, fields in hostile_system.items():
    save(f"system-{name}.jsonl", [wire(l) for l in ride_start(**fields) + readings(1, 3)])

# Hand-written raw lines, one file each.
ts = f"2022-07-06 23:38:15.945298 {DEV}: "
hostile_lines = {
    "duration-zero": ride_start() + [f"{ts}[INFO]: Ride - duration = 0.0; resistance = 0",
                                     f"{ts}[INFO]: Telemetry - hrt = 0; rpm = 0; power = 0.0"] + readings(1, 2),
    "ride-huge-ints": ride_start() + [f"{ts}[INFO]: Ride - duration = 999999999.0; resistance = 999999999",
                                      f"{ts}[INFO]: Telemetry - hrt = 999999999; rpm = 999999999; power = 1e308",
                                      f"{ts}[INFO]: Ride - duration = 9223372036854775807.0; resistance = 1",
                                      f"{ts}[INFO]: Telemetry - hrt = 18446744073709551616; rpm = 1; power = 1.7976931348623157e308"],
    "power-sum-overflow": ride_start() + [l.replace("power = 14.5", "power = 1.7976931348623157e308") for l in readings(1, 3)],
    "time-extremes": ride_start(ts="9999-12-31 23:59:60") + readings(1, 2, ts="0000-01-01 00:00:0"),
    "dst-gap": ride_start(ts="2022-03-27 01:30:00") + readings(1, 3, ts="2022-10-30 01:00:0"),
    "nested-system": [f"{ts}[SYSTEM] data = " + "[" * 100000],
    "nested-system-5000": [f"{ts}[SYSTEM] data = {{\"user_id\":" + "[" * 5000],
    "boundary-junk": ["--------- beginning of mai", "---------", "-", "--------- beginning of a new ride\r",
                      "--------- beginning of main" + "\r\n"],
}
for name, lines in hostile_lines.items():
    save(f"raw-{name}.jsonl", [wire(l) for l in lines])
    save(f"raw-{name}.log", lines)

# Envelope oddities and invalid UTF-8 (bytes, not str).
save("envelope.jsonl", [
    b'{"log": "\\u0000\\ud83d\\ude80\\ud800\\u12"}', b'{"key": null, "log": "x"}', b'{"key": {"a":1}, "log": "x"}',
    b'{"log": 1}', b'{}', b'{"log": "a"} trailing', b'{"log": "\\', b'{"key": "\xff\xfe", "log": "--------- beginning of main\\n"}',
    b'{"log": "2022-07-06 23:38:15.945298 mendoza v9: [SYSTEM] data = {\\"user_id\\":\\"\xc3\x28\\"}\\n"}',
    b"\xff\xfe\xfd", b"\xc0\x80" * 40, b"\r\n\t ",
])
