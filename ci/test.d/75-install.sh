# The C library installs like any library (ci/install, docs/install.md): installed to a
# temporary prefix, it has its SONAME and versioned file names, and a program outside the
# repository (packaging/example/, copied to a temporary directory) builds against it with
# pkg-config and with CMake's find_package(liner) — shared and static — and sends one message
# through a private redis-server. A staged install (DESTDIR) names the final prefix.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/ci/c-lib.sh"
set -euo pipefail

for tool in cc pkg-config cmake readelf; do
    ci_need "$tool" "install it with bash ci/install-deps"
done
c_redis_start
work="$(mktemp -d)"
trap 'c_redis_stop; rm -rf "$work"' EXIT
prefix="$work/prefix"

ci_run bash ci/install "$prefix"
version="$(cargo pkgid -p liner-p2p-c | sed 's/.*[@#]//')"
lib="$prefix/lib"
[ -f "$lib/libliner_broker.so.$version" ] && [ ! -L "$lib/libliner_broker.so.$version" ] \
    || ci_die "no libliner_broker.so.$version file in $lib"
[ "$(readlink "$lib/libliner_broker.so.0")" = "libliner_broker.so.$version" ] \
    || ci_die "libliner_broker.so.0 is not a link to libliner_broker.so.$version"
[ "$(readlink "$lib/libliner_broker.so")" = "libliner_broker.so.0" ] \
    || ci_die "libliner_broker.so is not a link to libliner_broker.so.0"
for file in "$prefix/include/liner.h" "$lib/libliner_broker.a" "$lib/pkgconfig/liner.pc" \
    "$lib/cmake/liner/linerConfig.cmake" "$lib/cmake/liner/linerConfigVersion.cmake"; do
    [ -f "$file" ] || ci_die "ci/install did not install $file"
done
readelf -d "$lib/libliner_broker.so.$version" | grep -q '(SONAME).*\[libliner_broker\.so\.0\]' \
    || ci_die "the installed library's SONAME is not libliner_broker.so.0"
ci_note "installed: SONAME libliner_broker.so.0, libliner_broker.so.$version and its links"

app="$work/app"
cp -r packaging/example "$app"
# Nothing may come from the repository: no rpath into target/, the prefix's library at run time.
run_app() {
    local binary="$1" needs_shared="$2"
    if readelf -d "$binary" | grep -q '(NEEDED).*\[libliner_broker\.so\.0\]'; then
        [ "$needs_shared" = shared ] || ci_die "$binary should not need libliner_broker.so.0"
    else
        [ "$needs_shared" = static ] || ci_die "$binary does not need libliner_broker.so.0"
    fi
    if readelf -d "$binary" | grep -E '(RPATH|RUNPATH)' | grep -q "$REPO_ROOT"; then
        ci_die "$binary has an rpath into the repository"
    fi
    LD_LIBRARY_PATH="$lib" ci_run "$binary" "$LINER_REDIS_URL"
}

export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$(pkg-config --modversion liner)" = "$version" ] || ci_die "pkg-config reports another version"
pkg-config --static --libs liner | grep -q -- '-lpthread' \
    || ci_die "liner.pc's Libs.private lacks the static library's system libraries"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
ci_run cc -std=c11 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags liner) \
    "$app/hello_liner.c" -o "$app/hello_pkgconfig" $(pkg-config --libs liner)
run_app "$app/hello_pkgconfig" shared

for linkage in shared static; do
    build="$app/build-cmake-$linkage"
    ci_run cmake -S "$app" -B "$build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DLINER_STATIC="$([ "$linkage" = static ] && echo ON || echo OFF)" >/dev/null
    ci_run cmake --build "$build"
    run_app "$build/hello_liner" "$linkage"
done
# linerConfigVersion.cmake: before 1.0 another minor version (0.0 here) is incompatible.
mkdir "$work/version-check"
cat >"$work/version-check/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(version_check NONE)
find_package(liner 0.0 QUIET)
if(liner_FOUND)
    message(FATAL_ERROR "find_package(liner 0.0) accepted liner ${liner_VERSION}")
endif()
CMAKE
ci_run cmake -S "$work/version-check" -B "$work/version-check/build" \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null

# A staged install names the final prefix, not the staging directory.
DESTDIR="$work/stage" ci_run bash ci/install /opt/liner
grep -qx 'prefix=/opt/liner' "$work/stage/opt/liner/lib/pkgconfig/liner.pc" \
    || ci_die "a DESTDIR install's liner.pc does not name the prefix /opt/liner"
ci_note "pkg-config and CMake (shared and static) builds outside the tree ran against the install"
