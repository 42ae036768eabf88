# The C tests and examples under AddressSanitizer + UndefinedBehaviorSanitizer (clang-14,
# leak detection on) and under valgrind memcheck (no errors, no definite leaks), against the
# host libliner_broker.so and a private redis-server.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/ci/c-lib.sh"
set -euo pipefail

ci_need clang-14 "install clang-14 and libclang-rt-14-dev (bash ci/install-deps)"
ci_need valgrind "install valgrind (bash ci/install-deps)"
c_build_lib host release

sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
for dir in examples/c tests/c; do
    ci_run make -C "$dir" LIB_DIR="$C_LIB_DIR" OUT=build/asan CC=clang-14 OPT_CFLAGS="-O1 -g" \
        EXTRA_CFLAGS="$sanitize" EXTRA_LDFLAGS="-fsanitize=address,undefined"
    ci_run make -C "$dir" LIB_DIR="$C_LIB_DIR" OUT=build/host
done

c_redis_start
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for dir in examples/c tests/c; do
    ci_run make -C "$dir" LIB_DIR="$C_LIB_DIR" OUT=build/asan run
done
ci_note "ASan + UBSan: no reports"

# --error-exitcode makes any memcheck error or definite leak fail the program.
valgrind_cmd="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
valgrind_cmd+=" --show-leak-kinds=definite"
for dir in tests/c examples/c; do
    ci_run make -C "$dir" LIB_DIR="$C_LIB_DIR" OUT=build/host RUN_PREFIX="$valgrind_cmd" run
done
ci_note "valgrind memcheck: no errors, no definite leaks"
