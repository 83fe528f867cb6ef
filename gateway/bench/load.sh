#!/usr/bin/env bash
# Load benchmark on loopback: `gateway serve` (release) on openapi.yaml with the embedded store,
# next to a bare hyper "hello" server as the ceiling. wrk drives POST /album and
# GET /{artist}/{album} at 1, 16 and 64 connections (DURATION seconds each), then a bounded soak
# (SOAK seconds at 64 connections) checks zero errors and that every acknowledged write reads back.
# Everything listens on 127.0.0.1 only and everything started here is stopped on exit.
#
#   gateway/bench/load.sh            # DURATION=10 SOAK=60
#   DURATION=3 SOAK=10 gateway/bench/load.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-10}"
SOAK="${SOAK:-60}"
THREADS="${THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

cargo build --release -q -p gateway --bin gateway --example hello --example soak
BIN="$ROOT/target/release"
TMP="$(mktemp -d)"
PIDS=()

start() { # name, command...: start in background (in this shell, so cleanup can stop it)
  local name="$1"; shift
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=($!)
}
addr_of() { # name: wait for its "listening on http://ADDR" line, print ADDR
  for _ in $(seq 1 100); do
    local addr
    addr="$(sed -n 's/.*listening on http:\/\/\([0-9.:]*\).*/\1/p' "$TMP/$1.out" | head -1)"
    if [ -n "$addr" ]; then echo "$addr"; return 0; fi
    sleep 0.05
  done
  echo "$1 did not start" >&2; cat "$TMP/$1.err" >&2; return 1
}

start gateway "$BIN/gateway" serve --spec openapi.yaml --port 0 --access-log /dev/null
start hello "$BIN/examples/hello" 0
GW="$(addr_of gateway)"
HELLO="$(addr_of hello)"
echo "gateway at $GW, hello at $HELLO, wrk $THREADS threads, $DURATION s per run"

# One album to read.
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"artist":"Dream Theater","album":"Images and Words","tracks":[{"title":"Pull Me Under","length":"8:14"},{"title":"Another Day","length":"4:23"}]}' \
  "http://$GW/album"

run() { # label, connections, wrk args...
  local label="$1" c="$2"; shift 2
  local t=$THREADS; [ "$c" -lt "$t" ] && t="$c"
  local out
  out="$(wrk -t"$t" -c"$c" -d"${DURATION}s" --latency "$@")"
  local rps p50 p99 errs
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errs="$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<<"$out")"
  printf '%-28s %4s %12s %10s %10s  %s\n' "$label" "$c" "$rps" "$p50" "$p99" "$errs"
}

printf '%-28s %4s %12s %10s %10s\n' "target" "conn" "requests/s" "p50" "p99"
for c in 1 16 64; do
  run "POST /album" "$c" -s gateway/bench/post_album.lua "http://$GW/album"
done
for c in 1 16 64; do
  run "GET /{artist}/{album}" "$c" "http://$GW/Dream%20Theater/Images%20and%20Words"
done
for c in 1 16 64; do
  run "hello (hyper ceiling)" "$c" "http://$HELLO/"
done

echo
echo "soak: $SOAK s at 64 connections"
"$BIN/examples/soak" "$GW" "$SOAK" 64
