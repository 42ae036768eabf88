# The firmware-style example (examples/firmware, its own crate): lint, build, size budget.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

# The example's .cargo/config.toml (target, linker script) is only read from inside its directory.
(cd examples/firmware && ci_run cargo clippy --release -- -D warnings)
ci_run bash ci/size-report
