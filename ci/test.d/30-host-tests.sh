# Host tests of the whole workspace: unit, property and integration tests (nextest when it is
# installed, cargo test otherwise) plus doctests (nextest does not run those), and the std
# client's unit tests without its default feature `tls`.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

if cargo nextest --version >/dev/null 2>&1; then
    # ci/nextest.toml kills hung tests; a repository-wide .config/nextest.toml takes precedence.
    config=()
    [ -e .config/nextest.toml ] || config=(--config-file ci/nextest.toml)
    ci_run cargo nextest run --workspace "${config[@]}"
    ci_run cargo test --workspace --doc
else
    ci_note "cargo-nextest not installed: using cargo test"
    ci_run cargo test --workspace
fi
ci_run cargo test -p liner-p2p --no-default-features --lib
