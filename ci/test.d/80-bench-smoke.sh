# Bench smoke run: `ci/bench --quick` must complete (liner and every alternative measured,
# delivery checks — count, order, byte sum — passed) and end with its
# `ratio_vs_zmq_pushpull=<x>` line (against ZeroMQ with matched high-water marks). No speed
# is asserted: the numbers depend on the machine and on whatever else runs on it. Without
# nats-server the NATS rows are reported as skipped and the run still passes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -uo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is not installed (ci/install-deps installs it)"
    exit "$CI_SKIP"
fi
if ! pkg-config --exists libzmq 2>/dev/null; then
    echo "libzmq is not installed (ci/install-deps installs libzmq3-dev)"
    exit "$CI_SKIP"
fi

ci_run_ending_with '^ratio_vs_zmq_pushpull=[0-9]+(\.[0-9]+)?$' \
    'ratio_vs_zmq_pushpull=<x>' \
    bash ci/bench --quick
ci_note "bench smoke passed: $CI_LAST_LINE"
