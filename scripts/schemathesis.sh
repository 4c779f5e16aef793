#!/usr/bin/env bash
# Fuzzes the running API against its own OpenAPI document with schemathesis.
#
# Starts `enforceai serve` on a throw-away ENFORCEAI_HOME (embedded store, in-process cache) with a fresh admin
# key, runs one demo scan so reads have data, then runs schemathesis with the checks not_a_server_error and
# response_schema_conformance, bounded (SCHEMATHESIS_MAX_EXAMPLES per operation, default 20; the whole run is
# cut at SCHEMATHESIS_TIMEOUT seconds, default 170), and stops the server. Exit code: schemathesis's.
# AWS calls of live scans the fuzzer may start go to a closed local port, never to AWS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
TIMEOUT="${SCHEMATHESIS_TIMEOUT:-170}"

if ! command -v schemathesis >/dev/null 2>&1; then
  echo "schemathesis: not installed; installing it with pip" >&2
  python3 -m pip install --quiet 'schemathesis>=4,<5' >&2
  hash -r
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/enforceai-schemathesis.XXXXXX")"
export ENFORCEAI_HOME="$WORK/home"
export ENFORCEAI_LOG_LEVEL=warn
export ENFORCEAI_LOG_FORMAT=json
export ENFORCEAI_USER=schemathesis
export NO_COLOR=1
unset DATABASE_URL REDIS_URL OPENSEARCH_URL ENFORCEAI_CORS_ORIGINS ENFORCEAI_LLM
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=fuzz AWS_SECRET_ACCESS_KEY=fuzz AWS_REGION=us-east-1
export AWS_MAX_ATTEMPTS=1

# `enforceai serve` once src/cli/main.ts registers it; until then the same command through registerServe. The
# command is an array started directly with `&`, so that $! is the server's own pid (a function would run in
# a subshell, and stopping the subshell would leave the server running).
if node bin/enforceai.js --help 2>/dev/null | grep -qE '^  serve( |$)'; then
  SERVE=(node bin/enforceai.js serve)
else
  SERVE=(node --import tsx -e '
    const { Command } = await import("commander");
    const { registerServe } = await import("./src/cli/commands/serve.ts");
    const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
    const program = new Command("enforceai").exitOverride();
    registerServe(program, io, () => ({}));
    await program.parseAsync(["node", "enforceai", "serve", ...process.argv.slice(1)]);
  ' --)
fi

KEY_JSON="$(node bin/enforceai.js keys create --role admin --name schemathesis --json)"
KEY="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).key)' "$KEY_JSON")"

"${SERVE[@]}" --port 0 --rate-limit 5000 --burst 10000 --max-scans 2 --grace 5 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
FUZZ_PID=""
cleanup() {
  if [[ -n "$FUZZ_PID" ]] && kill -0 "$FUZZ_PID" 2>/dev/null; then
    kill -TERM "$FUZZ_PID" 2>/dev/null || true
  fi
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# Stopped by a signal (a test timeout): exit through the EXIT trap, so the server is stopped too.
trap "exit 143" TERM
trap "exit 130" INT

URL=""
for _ in $(seq 1 120); do
  URL="$(sed -n 's/^EnforceAI API listening on \(http[^ ]*\).*/\1/p' "$WORK/serve.log" | head -n 1)"
  [[ -n "$URL" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "schemathesis: the server did not start:" >&2
    cat "$WORK/serve.log" >&2
    exit 3
  fi
  sleep 0.5
done
if [[ -z "$URL" ]]; then
  echo "schemathesis: the server did not report its address within 60 s" >&2
  cat "$WORK/serve.log" >&2
  exit 3
fi
echo "schemathesis: server at $URL" >&2

AUTH="Authorization: Bearer $KEY"
SCAN_ID="$(curl -sf -X POST -H "$AUTH" -H 'Content-Type: application/json' -d '{"demo":true}' "$URL/api/v1/scans" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).id))')"
for _ in $(seq 1 120); do
  STATUS="$(curl -sf -H "$AUTH" "$URL/api/v1/scans/$SCAN_ID" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).scan.status))')"
  [[ "$STATUS" != "running" ]] && break
  sleep 0.5
done
echo "schemathesis: demo scan $SCAN_ID is $STATUS" >&2

set +e
timeout --signal=INT "$TIMEOUT" schemathesis run "$URL/api/v1/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --header "$AUTH" \
  --max-examples "$MAX_EXAMPLES" \
  --phases examples,coverage,fuzzing \
  --request-timeout 30 \
  --generation-database none \
  --suppress-health-check all \
  --seed "${SCHEMATHESIS_SEED:-20261126}" \
  --no-color &
# In the background and waited for: a signal to this script interrupts `wait` (not a foreground child).
FUZZ_PID=$!
wait "$FUZZ_PID"
CODE=$?
set -e
if ((CODE == 124 || CODE == 130)); then
  echo "schemathesis: stopped after the ${TIMEOUT}-second budget" >&2
fi
if ((CODE != 0)); then
  echo "schemathesis: server log (last 40 lines):" >&2
  tail -n 40 "$WORK/serve.log" >&2
fi
exit "$CODE"
