# Chaos suite, quick run: `ci/chaos --quick` runs each scenario once (SIGKILL/SIGSTOP of real
# listener and sender processes, Redis killed and restarted with AOF, partitions and slow
# links through a proxy, stop with Redis down, refusing callbacks) and fails on any lost or
# reordered message or duplicates above a scenario's bound. It must end with its summary
# line `chaos: N scenarios, M messages, 0 lost`. docs/chaos.md describes the scenarios.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -uo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is not installed (ci/install-deps installs it)"
    exit "$CI_SKIP"
fi

ci_run_ending_with '^chaos: [0-9]+ scenarios, [0-9]+ messages, 0 lost$' \
    'chaos: N scenarios, M messages, 0 lost' \
    bash ci/chaos --quick
ci_note "chaos quick run passed: $CI_LAST_LINE"
