# Stripped sizes of the C library and of a statically linked C example for x86_64, armv7 and
# aarch64 (profile release-c), each without and with the `tls` feature; fails when the armv7
# libliner_broker.so without `tls` reaches 1 MiB.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_run bash ci/size-report-c
