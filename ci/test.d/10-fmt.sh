# Formatting: the workspace and the standalone firmware example (excluded from the workspace).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_run cargo fmt --all --check
ci_run cargo fmt --manifest-path examples/firmware/Cargo.toml --check
