# shellcheck shell=bash
# ci/c-lib.sh: helpers of the C-side CI sections (ci/test.d/7x-c-*.sh) and ci/size-report-c.
# Source it after ci/lib.sh. It provides:
#   c_redis_start            start a private redis-server on a free loopback port (never 6379),
#                            prove it is ours (INFO reports our PID), export LINER_REDIS_URL,
#                            and stop it by PID when the script exits
#   c_build_lib TARGET PROFILE [CARGO_FEATURE_ARGS...]
#                            build libliner_broker.{so,a} for TARGET ("host" or a triple) with
#                            cargo PROFILE (and e.g. --no-default-features); sets C_LIB_DIR
#                            (absolute) and C_NATIVE_LIBS (what rustc prints with
#                            --print native-static-libs)
#   C_TARGET_DIR             absolute cargo target directory (${CARGO_TARGET_DIR:-target})
#   C_CROSS_CC[triple], C_QEMU[triple]   cross compiler and qemu-user runner per ARM target

C_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$REPO_ROOT/target}")"
export C_TARGET_DIR

declare -A C_CROSS_CC=(
    [armv7-unknown-linux-gnueabihf]=arm-linux-gnueabihf-gcc
    [aarch64-unknown-linux-gnu]=aarch64-linux-gnu-gcc
)
declare -A C_QEMU=(
    [armv7-unknown-linux-gnueabihf]="qemu-arm -L /usr/arm-linux-gnueabihf"
    [aarch64-unknown-linux-gnu]="qemu-aarch64 -L /usr/aarch64-linux-gnu"
)

C_REDIS_PID=""
C_REDIS_DIR=""

c_redis_stop() {
    if [ -n "$C_REDIS_PID" ] && kill -0 "$C_REDIS_PID" 2>/dev/null; then
        kill "$C_REDIS_PID" 2>/dev/null || true
        wait "$C_REDIS_PID" 2>/dev/null || true
    fi
    C_REDIS_PID=""
    [ -n "$C_REDIS_DIR" ] && rm -rf "$C_REDIS_DIR"
    C_REDIS_DIR=""
}

# A loopback TCP port that was free a moment ago, never 6379.
c_free_port() {
    python3 - <<'PY'
import socket
while True:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if port != 6379:
        print(port)
        break
PY
}

c_redis_start() {
    ci_need redis-server "install redis-server (bash ci/install-deps)"
    ci_need redis-cli "install redis-tools (bash ci/install-deps)"
    C_REDIS_DIR="$(mktemp -d)"
    trap c_redis_stop EXIT
    local attempt port waited served
    for attempt in 1 2 3 4 5; do
        port="$(c_free_port)"
        redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
            --daemonize no --dir "$C_REDIS_DIR" --logfile "$C_REDIS_DIR/redis.log" &
        C_REDIS_PID=$!
        for waited in $(seq 1 100); do
            kill -0 "$C_REDIS_PID" 2>/dev/null || break
            # Another server on this port would answer too: check it reports our PID.
            served="$(redis-cli -h 127.0.0.1 -p "$port" INFO server 2>/dev/null \
                | tr -d '\r' | sed -n 's/^process_id://p' || true)"
            if [ "$served" = "$C_REDIS_PID" ]; then
                export LINER_REDIS_URL="redis://127.0.0.1:$port/"
                ci_note "redis-server pid $C_REDIS_PID on $LINER_REDIS_URL (attempt $attempt)"
                return 0
            fi
            [ -n "$served" ] && break
            sleep 0.05
        done
        ci_note "redis-server on port $port did not come up (waited ${waited}x50ms); retrying"
        kill "$C_REDIS_PID" 2>/dev/null || true
        wait "$C_REDIS_PID" 2>/dev/null || true
        C_REDIS_PID=""
    done
    tail -n 20 "$C_REDIS_DIR/redis.log" >&2 || true
    ci_die "could not start a private redis-server"
}

# Builds the library; see the header. Host builds with the shared `release` profile use plain
# `cargo build` (what everyone else runs, so nothing is rebuilt twice) and set no
# C_NATIVE_LIBS (programs link the .so). Every other build runs `cargo rustc ... --print
# native-static-libs` (the only way to ask rustc what the static library needs) and keeps the
# answer next to the artifacts, because rustc prints nothing when cargo had nothing to rebuild.
c_build_lib() {
    local target="$1" profile="$2" triple_args=() out_dir log libs_file variant
    shift 2
    local feature_args=("$@")
    # The native libraries are kept per feature set: they may differ between builds.
    variant="$(printf '%s' "${feature_args[*]}" | tr -c 'a-zA-Z0-9' '-' | sed 's/^-*//')"
    if [ "$target" = host ]; then
        out_dir="$C_TARGET_DIR/$profile"
    else
        triple_args=(--target "$target")
        out_dir="$C_TARGET_DIR/$target/$profile"
    fi
    C_LIB_DIR="$out_dir"
    C_NATIVE_LIBS=""
    if [ "$target" = host ] && [ "$profile" = release ]; then
        ci_run cargo build --release -p liner-p2p-c "${feature_args[@]}" \
            || ci_die "building liner-p2p-c (host, release) failed"
    else
        libs_file="$out_dir/libliner_broker${variant:+-$variant}.native-static-libs"
        log="$(mktemp)"
        c_rustc_print() {
            ci_run cargo rustc --profile "$profile" -p liner-p2p-c "${triple_args[@]}" \
                "${feature_args[@]}" -- --print native-static-libs 2>"$log"
        }
        c_rustc_print || { cat "$log" >&2; ci_die "building liner-p2p-c ($target, $profile) failed"; }
        if ! grep -q '^note: native-static-libs: ' "$log" && [ ! -s "$libs_file" ]; then
            # Up to date but the answer was never kept: rebuild just this crate once.
            ci_run cargo clean -p liner-p2p-c --profile "$profile" "${triple_args[@]}"
            c_rustc_print || { cat "$log" >&2; ci_die "rebuilding liner-p2p-c failed"; }
        fi
        if grep -q '^note: native-static-libs: ' "$log"; then
            sed -n 's/^note: native-static-libs: //p' "$log" | tail -n 1 >"$libs_file"
        fi
        rm -f "$log"
        C_NATIVE_LIBS="$(cat "$libs_file")"
        [ -n "$C_NATIVE_LIBS" ] || ci_die "rustc did not say which native libraries to link"
        [ -f "$out_dir/libliner_broker.a" ] || ci_die "no libliner_broker.a in $out_dir"
    fi
    [ -f "$out_dir/libliner_broker.so" ] || ci_die "no libliner_broker.so in $out_dir"
    export C_LIB_DIR C_NATIVE_LIBS
}
