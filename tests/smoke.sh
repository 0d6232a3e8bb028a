#!/usr/bin/env bash
# Post-deploy smoke checks for Kraftd Docs: one PASS / FAIL / SKIP line per check, exit 1 on any FAIL.
#
#   tests/smoke.sh BASE_URL            e.g. tests/smoke.sh https://docs.kraftd.io
#
# Needs curl and python3 only. Environment:
#   SMOKE_EMAIL            the address to register (default: smoke-<time>-<random>@example.com)
#   SMOKE_PASSWORD         its password (default: a random strong one)
#   SMOKE_MAILBOX_CMD      a shell command that prints the latest e-mail sent to the address, given as $1 (and as
#                          $SMOKE_ADDRESS); the verification link is read from what it prints. Default: read the
#                          stack's log file SMOKE_LOG (`make run` prints e-mails to its log when MAIL_SERVER is unset).
#   SMOKE_LOG              the log file the default mailbox reads
#   SMOKE_RECAPTCHA_TOKEN  sent as recaptcha_token on registration (production has reCAPTCHA on)
#   SMOKE_TIMEOUT          seconds to wait for a job or an e-mail (default 90)
#   SMOKE_BURST            requests at most in the rate-limit burst (default 150; the default limit is 100/minute)
#   RATE_LIMIT_ENABLED     false/0/no: the rate-limit check is SKIP (the deployment has no limits)
# The account it makes is deleted at the end (DELETE /auth/me). The rate-limit burst runs last: it uses up
# this address's anonymous quota for a minute.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BASE_URL" >&2
  exit 2
fi
BASE="${1%/}"
API="$BASE/api/v1"
TIMEOUT="${SMOKE_TIMEOUT:-90}"
BURST="${SMOKE_BURST:-150}"
SUFFIX="$(date +%s)-$RANDOM$RANDOM"
EMAIL="${SMOKE_EMAIL:-smoke-$SUFFIX@example.com}"
PASSWORD="${SMOKE_PASSWORD:-Smoke-$SUFFIX-Check!x}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0
SKIPPED=0
REASON=""
STATUS=""
ACCESS=""
DOC_ID=""
JOB_ID=""

# --- helpers ---------------------------------------------------------------------------------------------

# http METHOD URL [curl args...]: body in $WORK/body, headers in $WORK/headers, status code in $STATUS.
http() {
  local method=$1 url=$2
  shift 2
  STATUS=$(curl -sS --max-time 60 -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$method" \
    -H "X-Request-ID: smoke-$SUFFIX" "$@" "$url" 2>"$WORK/curl.err") || STATUS="000"
}

auth() { printf 'Authorization: Bearer %s' "$ACCESS"; }

# json EXPR: evaluate a Python expression over the last body (`d`); prints nothing when it fails.
json() {
  python3 -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2])
except Exception:
    sys.exit(1)
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$WORK/body" "$1" 2>/dev/null || true
}

header() { tr -d '\r' <"$WORK/headers" | awk -v h="$(echo "$1" | tr '[:upper:]' '[:lower:]')" \
  'BEGIN{FS=": "} tolower($1)==h {print substr($0, length($1)+3)}' | tail -1; }

# Last error body, short, for a FAIL line.
said() { printf 'HTTP %s %s' "$STATUS" "$(head -c 200 "$WORK/body" 2>/dev/null | tr -d '\n')"; }

check() {
  local name=$1 rc=0
  shift
  REASON=""
  "$@" || rc=$?
  case $rc in
    0) printf 'PASS %-13s %s\n' "$name" "$REASON"; PASSED=$((PASSED + 1)) ;;
    2) printf 'SKIP %-13s %s\n' "$name" "$REASON"; SKIPPED=$((SKIPPED + 1)) ;;
    *) printf 'FAIL %-13s %s\n' "$name" "$REASON"; FAILED=$((FAILED + 1)) ;;
  esac
}

needs() { # needs VALUE WHAT: SKIP (rc 2) when an earlier check did not give what this one needs
  if [ -z "$1" ]; then REASON="needs $2 (an earlier check failed)"; return 2; fi
}

# The latest e-mail to $EMAIL, as text, through SMOKE_MAILBOX_CMD or the stack's log.
latest_mail() {
  if [ -n "${SMOKE_MAILBOX_CMD:-}" ]; then
    SMOKE_ADDRESS="$EMAIL" bash -c "$SMOKE_MAILBOX_CMD" smoke-mailbox "$EMAIL" 2>/dev/null || true
  elif [ -n "${SMOKE_LOG:-}" ] && [ -r "$SMOKE_LOG" ]; then
    python3 - "$SMOKE_LOG" "$EMAIL" <<'PY'
import sys
log, address = open(sys.argv[1], errors="replace").read(), sys.argv[2]
start = log.rfind(f"to {address}:")
if start >= 0:
    end = log.find("--- end of e-mail ---", start)
    print(log[start : end if end >= 0 else len(log)])
PY
  fi
}

# wait_job ID: poll GET /jobs/ID until it finishes; its final status in $JOB_STATUS.
wait_job() {
  local deadline=$((SECONDS + TIMEOUT))
  JOB_STATUS=""
  while [ $SECONDS -lt $deadline ]; do
    http GET "$API/jobs/$1" -H "$(auth)"
    if [ "$STATUS" = 200 ]; then
      JOB_STATUS=$(json 'd["status"]')
      case $JOB_STATUS in succeeded | failed | canceled) return 0 ;; esac
    fi
    sleep 1
  done
  return 1
}

# --- checks ----------------------------------------------------------------------------------------------

check_health() {
  http GET "$BASE/healthz"
  { [ "$STATUS" = 200 ] && [ "$(json 'd["status"]')" = ok ]; } || { REASON=$(said); return 1; }
  REASON="/healthz ok"
}

check_ready() {
  http GET "$BASE/readyz"
  if [ "$STATUS" != 200 ]; then REASON="$(said)"; return 1; fi
  REASON="/readyz $(json '" ".join(f"{k}={v}" for k, v in d["checks"].items())')"
}

check_register() {
  local body
  body=$(python3 -c 'import json, sys; b = {"email": sys.argv[1], "password": sys.argv[2]}
if sys.argv[3]: b["recaptcha_token"] = sys.argv[3]
print(json.dumps(b))' "$EMAIL" "$PASSWORD" "${SMOKE_RECAPTCHA_TOKEN:-}")
  http POST "$API/auth/register" -H 'Content-Type: application/json' --data "$body"
  [ "$STATUS" = 201 ] || { REASON=$(said); return 1; }
  REGISTERED=1
  REASON="201 for $EMAIL"
}

check_verify() {
  needs "${REGISTERED:-}" "a registered account" || return $?
  local deadline=$((SECONDS + TIMEOUT)) token=""
  while [ $SECONDS -lt $deadline ]; do
    token=$(latest_mail | grep -oE 'verify-email\?token=[A-Za-z0-9._~-]+' | tail -1 | cut -d= -f2- || true)
    [ -n "$token" ] && break
    sleep 0.5
  done
  if [ -z "$token" ]; then
    REASON="no verification e-mail for $EMAIL within ${TIMEOUT}s (set SMOKE_MAILBOX_CMD or SMOKE_LOG)"
    return 1
  fi
  http POST "$API/auth/verify-email" -H 'Content-Type: application/json' --data "{\"token\": \"$token\"}"
  { [ "$STATUS" = 200 ] && [ "$(json 'd["user"]["email_verified"]')" = True ]; } || { REASON=$(said); return 1; }
  REASON="e-mail link accepted"
}

check_login() {
  needs "${REGISTERED:-}" "a registered account" || return $?
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
    "$EMAIL" "$PASSWORD")
  http POST "$API/auth/login" -H 'Content-Type: application/json' --data "$body"
  ACCESS=$(json 'd["access_token"]')
  { [ "$STATUS" = 200 ] && [ -n "$ACCESS" ]; } || { REASON=$(said); ACCESS=""; return 1; }
  http GET "$API/auth/me" -H "$(auth)"
  [ "$STATUS" = 200 ] || { REASON="GET /auth/me: $(said)"; return 1; }
  REASON="access token accepted by /auth/me"
}

check_upload() {
  needs "$ACCESS" "a signed-in user" || return $?
  cat >"$WORK/smoke-contract.txt" <<EOF
SERVICES AGREEMENT ($SUFFIX)

This Services Agreement is entered into as of January 15, 2024 by and between Acme Corporation, a Delaware
corporation ("Customer"), and Widget Labs LLC, a California limited liability company ("Provider").

1. Term. This Agreement begins on the Effective Date and continues for an initial term of two (2) years, and
renews automatically for successive one (1) year terms unless either party gives written notice of non-renewal
at least sixty (60) days before the end of the then-current term.

2. Termination for Convenience. Either party may terminate this Agreement for convenience upon thirty (30)
days' prior written notice to the other party.

3. Limitation of Liability. In no event shall either party's aggregate liability arising out of this Agreement
exceed the fees paid by Customer in the twelve (12) months preceding the claim.

4. Confidentiality. Each party shall keep the other party's Confidential Information in confidence and use it
only to perform this Agreement.

5. Governing Law. This Agreement shall be governed by and construed in accordance with the laws of the State of
Delaware, without regard to its conflict of laws principles.
EOF
  http POST "$API/documents" -H "$(auth)" -F "file=@$WORK/smoke-contract.txt;type=text/plain"
  DOC_ID=$(json 'd["document"]["id"]')
  JOB_ID=$(json 'd["job"]["id"]')
  { [ "$STATUS" = 202 ] && [ -n "$DOC_ID" ] && [ -n "$JOB_ID" ]; } || { REASON=$(said); DOC_ID=""; return 1; }
  REASON="202, document $DOC_ID, job $JOB_ID"
}

check_analysis() {
  needs "$DOC_ID" "an uploaded document" || return $?
  if ! wait_job "$JOB_ID"; then REASON="job $JOB_ID not finished within ${TIMEOUT}s"; DOC_ID=""; return 1; fi
  if [ "$JOB_STATUS" != succeeded ]; then
    REASON="job $JOB_STATUS: $(json 'd.get("error")')"
    DOC_ID=""
    return 1
  fi
  http GET "$API/documents/$DOC_ID/analysis" -H "$(auth)"
  local clauses
  clauses=$(json 'len(d["clauses"])')
  { [ "$STATUS" = 200 ] && [ -n "$clauses" ]; } || { REASON=$(said); DOC_ID=""; return 1; }
  REASON="$(json 'd["analyzer"]') analyzer: $clauses clauses, governing law $(json 'd.get("governing_law")')"
}

check_export() {
  needs "$DOC_ID" "an analysed document" || return $?
  http POST "$API/documents/$DOC_ID/exports" -H "$(auth)" -H 'Content-Type: application/json' \
    --data '{"include_original": true}'
  if [ "$STATUS" = 404 ] || [ "$STATUS" = 405 ]; then
    REASON="POST /documents/{id}/exports answers $STATUS: the export routes are missing"
    return 1
  fi
  local export_job
  export_job=$(json 'd["job"]["id"]')
  { [ "$STATUS" = 202 ] && [ -n "$export_job" ]; } || { REASON=$(said); return 1; }
  if ! wait_job "$export_job"; then REASON="export job not finished within ${TIMEOUT}s"; return 1; fi
  [ "$JOB_STATUS" = succeeded ] || { REASON="export job $JOB_STATUS: $(json 'd.get("error")')"; return 1; }
  local url
  url=$(json 'd.get("download_url") or ""')
  http GET "$BASE${url:-/api/v1/jobs/$export_job/download}" -H "$(auth)"
  local type magic
  type=$(header Content-Type)
  magic=$(head -c 2 "$WORK/body" 2>/dev/null || true)
  { [ "$STATUS" = 200 ] && [ "${type%%;*}" = application/zip ] && [ "$magic" = PK ]; } || {
    REASON="download: HTTP $STATUS, $type"
    return 1
  }
  REASON="ZIP of $(wc -c <"$WORK/body" | tr -d ' ') bytes: $(python3 -c 'import sys, zipfile
print(", ".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' "$WORK/body")"
}

check_cleanup() {
  needs "$ACCESS" "a signed-in user" || return $?
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"password": sys.argv[1]}))' "$PASSWORD")
  http DELETE "$API/auth/me" -H "$(auth)" -H 'Content-Type: application/json' --data "$body"
  [ "$STATUS" = 204 ] || { REASON=$(said); return 1; }
  REASON="the smoke account and its documents are deleted"
}

check_rate_limit() {
  case "$(echo "${RATE_LIMIT_ENABLED:-true}" | tr '[:upper:]' '[:lower:]')" in
    false | 0 | no | off) REASON="RATE_LIMIT_ENABLED is off"; return 2 ;;
  esac
  local i code
  for ((i = 1; i <= BURST; i++)); do
    code=$(curl -sS --max-time 10 -o /dev/null -D "$WORK/headers" -w '%{http_code}' "$API/documents" 2>/dev/null) ||
      code=000
    if [ "$code" = 429 ]; then
      local retry
      retry=$(header Retry-After)
      [ -n "$retry" ] || { REASON="429 after $i requests but no Retry-After"; return 1; }
      REASON="429 after $i anonymous requests, Retry-After: $retry"
      return 0
    fi
  done
  REASON="no 429 within $BURST anonymous requests (last HTTP $code)"
  return 1
}

echo "Kraftd Docs smoke checks against $BASE"
check health check_health
check readiness check_ready
check register check_register
check verify check_verify
check login check_login
check upload check_upload
check analysis check_analysis
check export check_export
check cleanup check_cleanup
check rate-limit check_rate_limit
echo "smoke: $PASSED PASS, $FAILED FAIL, $SKIPPED SKIP"
[ "$FAILED" -eq 0 ]
