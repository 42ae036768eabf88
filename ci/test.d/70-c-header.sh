# include/liner.h is exactly what cbindgen generates from c-api/src (config c-api/cbindgen.toml),
# and it compiles on its own as strict C11 and as C++.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_need cbindgen "install it with bash ci/install-deps (cargo install cbindgen --locked)"
generated="$(mktemp --suffix=.h)"
trap 'rm -f "$generated"' EXIT
ci_run cbindgen --quiet --config c-api/cbindgen.toml --crate liner-p2p-c --output "$generated"
if ! diff -u include/liner.h "$generated"; then
    ci_die "include/liner.h differs from the generated header: run" \
        "cbindgen --config c-api/cbindgen.toml --crate liner-p2p-c --output include/liner.h"
fi
ci_note "include/liner.h matches cbindgen's output"

ci_run cc -fsyntax-only -std=c11 -Wall -Wextra -Wpedantic -Werror -x c include/liner.h
ci_run c++ -fsyntax-only -std=c++11 -Wall -Wextra -Wpedantic -Werror -x c++ include/liner.h
