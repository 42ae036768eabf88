# Every crate meant for crates.io (each workspace member without `publish = false`) packages
# and its packaged copy builds on its own (`cargo package`, which verifies by building the
# .crate against the other packaged crates, cargo >= 1.90), and ships both license texts.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_need python3 "install python3 (bash ci/install-deps)"
mapfile -t packages < <(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
for package in meta["packages"]:
    if package["id"] in members and package["publish"] != []:
        print(package["name"], package["version"])
')
[ ${#packages[@]} -gt 0 ] || ci_die "no publishable crate found in the workspace"
ci_note "publishable crates: ${packages[*]}"

package_args=()
for package in "${packages[@]}"; do
    read -r crate version <<<"$package"
    package_args+=(-p "$crate")
    # cargo verifies a crate against the others through a local registry whose packages it
    # unpacks under $CARGO_HOME/registry/src (per registry path, so per run below): earlier
    # runs' copies go. None of these names is on crates.io, so only ours are removed.
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate-$version"
    files="$(cargo package --list --allow-dirty -p "$crate")"
    for license in LICENSE-MIT LICENSE-APACHE README.md; do
        grep -qx "$license" <<<"$files" || ci_die "$crate's package lacks $license"
    done
done
# A target directory of its own, each run: cargo builds the packaged crates as registry
# crates, which it never rebuilds for the same version, so artifacts of an earlier run would
# hide changes. --allow-dirty: CI checks a commit, but a developer runs this on a work tree
# with changes.
package_dir="$(mktemp -d)"
trap 'rm -rf "$package_dir"' EXIT
ci_run cargo package --allow-dirty --target-dir "$package_dir" "${package_args[@]}"
