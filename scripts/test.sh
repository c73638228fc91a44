#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian/Ubuntu: installs the peer programs the tests run
# against (notary, notary-server, notary-signer, docker-registry, a docker CLI and dockerd, skopeo, PostgreSQL), the npm packages,
# builds, type-checks, lints, runs every test (unit, interop and e2e projects), and ends with one line
# "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v notary >/dev/null        || need+=(notary)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v openssl >/dev/null       || need+=(openssl)
command -v tmux >/dev/null          || need+=(tmux)
command -v curl >/dev/null          || need+=(curl)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v docker >/dev/null        || need+=(docker.io)
# dockerd (Debian's docker.io) for the docker-daemon: tests; it also brings a docker CLI 20.10 in
# /usr/bin, which stays behind a newer one in /usr/local/bin on PATH.
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v skopeo >/dev/null        || need+=(skopeo)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/mariadbd ]          || need+=(mariadb-server)
[ -x /usr/bin/time ]               || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing test peers: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent typecheck
npm run --silent lint

rm -f .vitest.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || { echo "0 passed, 1 failed"; status=1; }
exit $status
