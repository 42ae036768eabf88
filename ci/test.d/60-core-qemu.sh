# liner-core's tests (unit, property, doctests) cross-compiled for 32-bit and 64-bit ARM Linux
# and run under qemu-user (runners are set in .cargo/config.toml).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_need qemu-arm "install qemu-user (bash ci/install-deps)"
ci_need qemu-aarch64 "install qemu-user (bash ci/install-deps)"
for target in armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu; do
    ci_run cargo test -p liner-core --target "$target"
done
