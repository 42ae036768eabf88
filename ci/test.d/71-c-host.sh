# The C library on the host: libliner_broker.so exports every function include/liner.h
# declares (and no other lnr_ symbol); the C examples and tests build with
# -Wall -Wextra -Wpedantic -Werror -std=c11 and pass against a private redis-server.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/ci/c-lib.sh"
set -euo pipefail

c_build_lib host release

declared="$(grep -oE '\blnr_[a-z0-9_]+\(' include/liner.h | tr -d '(' | sort -u)"
exported="$(nm -D --defined-only "$C_LIB_DIR/libliner_broker.so" \
    | awk '$2 == "T" && $3 ~ /^lnr_/ { print $3 }' | sort -u)"
if [ "$declared" != "$exported" ]; then
    diff <(echo "$declared") <(echo "$exported") | sed 's/^</  declared only:/; s/^>/  exported only:/' >&2
    ci_die "libliner_broker.so exports differ from include/liner.h"
fi
ci_note "libliner_broker.so exports all $(wc -l <<<"$exported") functions of include/liner.h"

for dir in examples/c tests/c; do
    ci_run make -C "$dir" LIB_DIR="$C_LIB_DIR" OUT=build/host
done
c_redis_start
for dir in examples/c tests/c; do
    ci_run make -C "$dir" LIB_DIR="$C_LIB_DIR" OUT=build/host run
done
