# The Python binding over the C library: checks its ctypes declarations against
# include/liner.h, builds libliner_broker.so, then runs the Redis
# scenario harness (tests/redis/run_integration.py), which starts its own redis-server on
# 127.0.0.1:${LINER_TEST_REDIS_PORT:-16379} when nothing listens there and stops it by PID.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_need python3 "install python3 (bash ci/install-deps)"
if [ -z "${LINER_TEST_REDIS_URL:-}" ]; then
    ci_need redis-server "install redis-server (bash ci/install-deps)"
fi
ci_run python3 python/test_liner_header.py
ci_run cargo build --release -p liner-p2p-c
ci_run python3 tests/redis/run_integration.py --continue-on-fail
