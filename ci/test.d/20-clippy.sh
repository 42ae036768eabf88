# Lints: clippy per workspace package with all targets, warnings denied. Per package (not
# --workspace) so each crate is checked with its own feature set; never --all-features, which
# would switch defmt on for host builds.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

mapfile -t packages < <(cargo metadata --no-deps --format-version 1 \
    | python3 -c 'import json, sys; print("\n".join(p["name"] for p in json.load(sys.stdin)["packages"]))')
[ ${#packages[@]} -gt 0 ] || ci_die "cargo metadata listed no workspace package"

for package in "${packages[@]}"; do
    ci_run cargo clippy -p "$package" --all-targets -- -D warnings
done
# The std client without its default feature `tls` (the board build of the C library).
ci_run cargo clippy -p liner-p2p --no-default-features --all-targets -- -D warnings
