# shellcheck shell=bash
# ci/lib.sh: helpers shared by ci/install-deps, ci/test and the section scripts in ci/test.d/.
#
# Source it (`source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"` from a section) to get:
#   REPO_ROOT        absolute path of the repository (the current directory is set to it)
#   ci_note MSG      a progress line on stderr, prefixed so it stands out in long logs
#   ci_die MSG       print "error: MSG" and exit 1
#   ci_run CMD...    echo the command, then run it (the exit status is the command's)
#   ci_need CMD HINT fail with HINT unless CMD is on PATH
#   ci_cross_test T ARGS...  cargo test for armv7/aarch64 Linux under qemu-user (see below)
#   CI_SKIP          exit status a section uses to say "skipped" (it must print why first)
#
# Cargo builds use the default `target/` unless the caller set CARGO_TARGET_DIR.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# shellcheck disable=SC2034 # read by ci/test and the sections
CI_SKIP=77

# rustup installs into ~/.cargo/bin, which a non-login shell (CI) may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    export PATH
fi

ci_note() {
    printf '[ci] %s\n' "$*" >&2
}

ci_die() {
    printf '[ci] error: %s\n' "$*" >&2
    exit 1
}

ci_run() {
    printf '[ci] $ %s\n' "$*" >&2
    "$@"
}

ci_need() {
    command -v "$1" >/dev/null 2>&1 || ci_die "'$1' not found on PATH: $2"
}

# ci_cross_test TARGET CARGO-TEST-ARGS...: `cargo test --target TARGET ...` for armv7 or
# aarch64 Linux, run under qemu-user (runners in .cargo/config.toml). Test code is built at
# opt-level 1: under qemu, unoptimised property tests run about 8x slower (minutes per test
# binary); opt-level 1 keeps the dev profile's overflow checks and debug assertions. Cross
# artifacts live under target/TARGET/, so host builds are not invalidated.
ci_cross_test() {
    local target="$1" qemu
    shift
    case "$target" in
        armv7-*) qemu="qemu-arm" ;;
        aarch64-*) qemu="qemu-aarch64" ;;
        *) ci_die "ci_cross_test: no qemu runner configured for $target" ;;
    esac
    ci_need "$qemu" "install qemu-user (bash ci/install-deps)"
    CARGO_PROFILE_DEV_OPT_LEVEL=1 ci_run cargo test --target "$target" "$@"
}

cd "$REPO_ROOT" || exit 1

# ci_run_ending_with REGEX WHAT COMMAND...: runs COMMAND (its output shown as it goes), fails
# when it fails or when its last line does not match REGEX (WHAT says the expected form), and
# leaves that last line in CI_LAST_LINE. For the runs that end with a summary line.
ci_run_ending_with() {
    local regex="$1" what="$2" output status
    shift 2
    output="$(mktemp)"
    "$@" | tee "$output"
    status="${PIPESTATUS[0]}"
    CI_LAST_LINE="$(tail -n 1 "$output")"
    rm -f "$output"
    [ "$status" -eq 0 ] || ci_die "$* failed (exit $status)"
    [[ "$CI_LAST_LINE" =~ $regex ]] \
        || ci_die "$* did not end with '$what' (last line: '$CI_LAST_LINE')"
}
