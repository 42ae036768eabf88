# liner-core's tests (unit, property, doctests) cross-compiled for 32-bit and 64-bit ARM Linux
# and run under qemu-user (see ci_cross_test in ci/lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

for target in armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu; do
    ci_cross_test "$target" -p liner-core
done
