# Hostile suite, quick run: `ci/hostile --quick` attacks a listener that has a shared secret
# (random bytes, oversize lengths, trickled and budgeted large frames, slowloris, a connection
# flood, per-source limits, forged and replayed handshakes, stolen connection keys, peers with
# a wrong secret, cursor jumps) while a legitimate sender streams to it, and fails on any lost
# or forged message, RSS growth beyond the bound, or a legitimate sender refused. It must end
# with `hostile: N attacks, M messages, 0 lost, 0 forged delivered`. docs/chaos.md describes it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -uo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is not installed (ci/install-deps installs it)"
    exit "$CI_SKIP"
fi

ci_run_ending_with '^hostile: [0-9]+ attacks, [1-9][0-9]* messages, 0 lost, 0 forged delivered$' \
    'hostile: N attacks, M messages, 0 lost, 0 forged delivered' \
    bash ci/hostile --quick
ci_note "hostile quick run passed: $CI_LAST_LINE"
