# SPDX-License-Identifier: GPL-2.0
# Metrics and health (issue 12, section 5): nojit daemon --listen serves
# /metrics that promtool accepts and a real Prometheus scrapes, /healthz
# that turns 503 when the programs go; slow and malformed clients do not
# hold up the ring-buffer drain. Sourced by selftests/deploy/run.

MW=$WORK/metrics
MCG=$CG/nojit-test-metrics
MPORT=19100
MPORT2=19090
PROMTOOL=/usr/bin/promtool
PROMETHEUS=/usr/bin/prometheus
ANON_ROUTE='anonymous executable memory'
mkdir -p "$MW"
rmdir "$MCG" 2>/dev/null
mkdir -p "$MCG"

# http METHOD URL [OUTFILE]: prints the status code; the body goes to OUTFILE.
http() {
	python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
try:
    r = urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
except Exception as e:
    code, body = 0, str(e).encode()
if len(sys.argv) > 3:
    open(sys.argv[3], "wb").write(body)
print(code)
PY
}

# metric FILE SERIES: the value of one series of a scrape (0 when absent).
metric() {
	python3 - "$1" "$2" <<'PY'
import sys
want = sys.argv[2]
for line in open(sys.argv[1]):
    if line.startswith(want + " "):
        print(int(float(line.split()[-1]))); break
else:
    print(0)
PY
}

# events_in LOG ROUTE CGROUP: violation events of ROUTE from CGROUP in the audit log.
events_in() {
	python3 - "$@" <<'PY'
import json, sys
n = 0
try:
    for l in open(sys.argv[1]):
        try:
            r = json.loads(l)
        except ValueError:
            continue
        if r.get("type") == "event" and r.get("route") == int(sys.argv[2]) and r.get("cgroup") == sys.argv[3]:
            n += 1
except FileNotFoundError:
    pass
print(n)
PY
}

metrics_main() {
	local base=http://127.0.0.1:$MPORT code before after n series md prom slow ok body want

	"$NOJIT" enforce --cgroup "$MCG" >/dev/null || { tap_not_ok "metrics: enforce $MCG"; return; }
	"$NOJIT" keygen --out "$MW/keys" >/dev/null || { tap_not_ok "metrics: keygen"; return; }
	"$NOJIT" daemon --listen "127.0.0.1:$MPORT" --log "$MW/audit.log" \
		--key "$MW/keys/nojit.key" 2>"$MW/daemon.err" &
	md=$!
	for _ in $(seq 1 100); do
		grep -q "draining events" "$MW/daemon.err" 2>/dev/null && break
		sleep 0.1
	done
	if ! grep -q "draining events" "$MW/daemon.err"; then
		tap_not_ok "daemon --listen starts" "$(cat "$MW/daemon.err")"
		kill "$md" 2>/dev/null
		return
	fi
	tap_ok "daemon --listen 127.0.0.1:$MPORT starts"

	code=$(http GET "$base/healthz" "$MW/health.json")
	if [ "$code" = 200 ] && grep -q '"status":"ok"' "$MW/health.json"; then
		tap_ok "/healthz is 200 while the programs are attached"
	else
		tap_not_ok "/healthz is 200 while the programs are attached" "$code $(cat "$MW/health.json")"
	fi

	series="nojit_denials_total{route=\"$ANON_ROUTE\"}"
	http GET "$base/metrics" "$MW/before.prom" >/dev/null
	before=$(metric "$MW/before.prom" "$series")
	expect_blocked "$MCG" "(under the metrics daemon)" anon_rwx_private 1
	code=$(http GET "$base/metrics" "$MW/after.prom")
	after=$(metric "$MW/after.prom" "$series")
	if [ "$code" = 200 ] && [ "$after" -gt "$before" ]; then
		tap_ok "/metrics: the route's denial counter moved ($before -> $after)"
	else
		tap_not_ok "/metrics: the route's denial counter moved" "HTTP $code, $before -> $after"
	fi
	tap_check "promtool check metrics accepts /metrics" sh -c "$PROMTOOL check metrics < '$MW/after.prom'"
	# The daemon's own count, by hook and action, once it drained the event.
	n=0
	for _ in $(seq 1 50); do
		http GET "$base/metrics" "$MW/events.prom" >/dev/null
		n=$(metric "$MW/events.prom" "nojit_violation_events_total{route=\"$ANON_ROUTE\",hook=\"mmap_file\",action=\"denied\"}")
		[ "$n" -ge 1 ] && break
		sleep 0.2
	done
	[ "$n" -ge 1 ] && tap_ok "/metrics: violation events by route, hook and action ($n)" ||
		tap_not_ok "/metrics: violation events by route, hook and action" \
			"$(grep -e violation_events -e events_logged "$MW/events.prom")"

	# --- slow and malformed clients while events keep coming ----------------------
	python3 - "$MPORT" "$MW/slow.ready" <<'PY' >"$MW/slow.out" 2>&1 &
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return s
slow = conn(); slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
junk = conn(); junk.sendall(bytes(range(256)) + b"\r\n\r\n\x16\x03\x01\x02\x00")
big = conn()
try:
    big.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
except OSError as e:
    print("big header refused:", e)
open(sys.argv[2], "w").write("ready\n")
# Hold the half-sent request, a byte now and then (slowloris), for 8 s.
for _ in range(16):
    time.sleep(0.5)
    try:
        slow.sendall(b"a")
    except OSError as e:
        print("slow client cut off:", e); break
print("held")
PY
	slow=$!
	for _ in $(seq 1 50); do [ -e "$MW/slow.ready" ] && break; sleep 0.1; done
	before=$(events_in "$MW/audit.log" 2 "${MCG#$CG}")
	run_in "$MCG" "$ATTACKS/mprotect_anon" >/dev/null 2>&1
	ok=
	for _ in $(seq 1 40); do
		after=$(events_in "$MW/audit.log" 2 "${MCG#$CG}")
		if [ "$after" -gt "$before" ]; then
			kill -0 "$slow" 2>/dev/null && ok=1
			break
		fi
		sleep 0.1
	done
	if [ -n "$ok" ]; then
		tap_ok "an event reaches the audit log while a slow client holds its connection"
	else
		tap_not_ok "an event reaches the audit log while a slow client holds its connection" \
			"events $before -> $after; slow client $(kill -0 "$slow" 2>/dev/null && echo alive || echo gone)" \
			"$(cat "$MW/slow.out")"
	fi
	code=$(http GET "$base/healthz" "$MW/health2.json")
	[ "$code" = 200 ] && tap_ok "/healthz answers 200 while the slow client waits" ||
		tap_not_ok "/healthz answers 200 while the slow client waits" "$code $(cat "$MW/health2.json")"
	wait "$slow"
	if kill -0 "$md" 2>/dev/null; then
		tap_ok "the daemon survived slow, garbage and huge-header clients"
	else
		tap_not_ok "the daemon survived slow, garbage and huge-header clients" "$(cat "$MW/daemon.err")"
	fi
	code=$(http POST "$base/metrics")
	[ "$code" = 405 ] && tap_ok "POST /metrics is 405" || tap_not_ok "POST /metrics is 405" "got $code"
	code=$(http GET "$base/../etc/passwd")
	[ "$code" = 404 ] && tap_ok "other paths are 404" || tap_not_ok "other paths are 404" "got $code"

	# --- a real Prometheus scrapes it --------------------------------------------
	if [ ! -x "$PROMETHEUS" ]; then
		tap_not_ok "Prometheus scrapes the daemon" "$PROMETHEUS not installed (make deps)"
	else
		cat >"$MW/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: nojit
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
		"$PROMETHEUS" --config.file="$MW/prometheus.yml" --storage.tsdb.path="$MW/tsdb" \
			--web.listen-address="127.0.0.1:$MPORT2" >"$MW/prometheus.log" 2>&1 &
		prom=$!
		http GET "$base/metrics" "$MW/now.prom" >/dev/null
		want=$(metric "$MW/now.prom" "$series")
		ok=
		for _ in $(seq 1 120); do
			body=$(python3 - "$MPORT2" "$series" <<'PY'
import json, sys, urllib.parse, urllib.request
q = urllib.parse.quote(sys.argv[2])
try:
    r = json.load(urllib.request.urlopen(
        "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], q), timeout=5))
    res = r["data"]["result"]
    print(res[0]["value"][1] if res else "none")
except Exception as e:
    print("error", e)
PY
)
			case $body in
			none|error*) ;;
			*) [ "${body%.*}" -ge "$want" ] 2>/dev/null && { ok=1; break; } ;;
			esac
			sleep 1
		done
		if [ -n "$ok" ]; then
			tap_ok "Prometheus' query API returns the denial count ($body >= $want)"
		else
			tap_not_ok "Prometheus' query API returns the denial count" "last answer: $body, want >= $want" \
				"$(tail -5 "$MW/prometheus.log")"
		fi
		kill "$prom" 2>/dev/null
		wait "$prom" 2>/dev/null
	fi

	# --- health turns when the programs go ----------------------------------------
	"$NOJIT" unload >/dev/null 2>&1
	code=$(http GET "$base/healthz" "$MW/health3.json")
	if [ "$code" = 503 ] && grep -q "programs not attached" "$MW/health3.json"; then
		tap_ok "/healthz is 503 once nojit unload removed the links"
	else
		tap_not_ok "/healthz is 503 once nojit unload removed the links" "$code $(cat "$MW/health3.json")"
	fi
	kill -TERM "$md"
	wait "$md"
	code=$?
	[ "$code" = 0 ] && tap_ok "the daemon stops cleanly on SIGTERM" ||
		tap_not_ok "the daemon stops cleanly on SIGTERM" "exit $code" "$(cat "$MW/daemon.err")"
	tap_check "the audit log written meanwhile verifies" \
		"$NOJIT" audit verify --key "$MW/keys/nojit.pub" "$MW/audit.log"
	rmdir "$MCG" 2>/dev/null
}

metrics_main
