# The Rust examples are self-checking programs (they exit non-zero when a message is lost or
# repeated); each starts its own redis-server on a free loopback port.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_need redis-server "install redis-server (bash ci/install-deps)"
for example in quickstart one_to_one one_to_many many_to_many producer_consumer; do
    ci_run cargo run --quiet --release -p liner-p2p --example "$example"
done
