# The C examples and tests cross-built for 32-bit and 64-bit ARM Linux (static
# libliner_broker.a from `cargo rustc --release --target …`, link flags from rustc's
# --print native-static-libs, Debian's cross gcc) and run under qemu-user against a private
# redis-server on the host's loopback.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/ci/c-lib.sh"
set -euo pipefail

for target in armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu; do
    ci_need "${C_CROSS_CC[$target]}" "install the cross gcc (bash ci/install-deps)"
    ci_need "${C_QEMU[$target]%% *}" "install qemu-user (bash ci/install-deps)"
done
c_redis_start
for target in armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu; do
    c_build_lib "$target" release
    ci_note "$target: native-static-libs: $C_NATIVE_LIBS"
    for dir in examples/c tests/c; do
        ci_run make -C "$dir" CC="${C_CROSS_CC[$target]}" LINK=static LIB_DIR="$C_LIB_DIR" \
            NATIVE_LIBS="$C_NATIVE_LIBS" OUT="build/$target" RUN_PREFIX="${C_QEMU[$target]}" run
    done
done
