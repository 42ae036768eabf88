# The std client's unit tests and the integration tests (real redis-server on loopback, crash
# tests with child processes) cross-compiled for 32-bit and 64-bit ARM Linux and run under
# qemu-user. Child peers of the crash tests run under the same emulator.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_need qemu-arm "install qemu-user (bash ci/install-deps)"
ci_need qemu-aarch64 "install qemu-user (bash ci/install-deps)"
ci_need redis-server "install redis-server (bash ci/install-deps)"
declare -A runners=(
    [armv7-unknown-linux-gnueabihf]="qemu-arm -L /usr/arm-linux-gnueabihf"
    [aarch64-unknown-linux-gnu]="qemu-aarch64 -L /usr/aarch64-linux-gnu"
)
for target in armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu; do
    ci_run env LINER_TEST_PEER_RUNNER="${runners[$target]}" \
        cargo test --profile cross-test -p liner-p2p -p liner-tests --target "$target" -- --test-threads=2
done
