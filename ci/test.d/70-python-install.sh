# The Python binding installs like any package: `pip install ./python` into a fresh
# virtualenv, then, from outside the repository, the installed package finds the library
# ($LINER_LIB, next to the module, the system library path; python/test_liner_lookup.py) and
# runs the smoke scenarios of tests/redis/ (copied out of the tree, so only the installed
# `liner` can be imported) against a private redis-server.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/ci/c-lib.sh"
set -euo pipefail

ci_need python3 "install python3 (bash ci/install-deps)"
python3 -m venv --help >/dev/null 2>&1 || ci_die "python3 -m venv is missing: install python3-venv (bash ci/install-deps)"
c_build_lib host release
library="$C_LIB_DIR/libliner_broker.so"
c_redis_start
work="$(mktemp -d)"
trap 'c_redis_stop; rm -rf "$work"' EXIT

ci_run python3 -m venv "$work/venv"
python="$work/venv/bin/python"
ci_run "$python" -m pip install --quiet --disable-pip-version-check ./python
unset PYTHONPATH
installed="$(cd "$work" && "$python" -c 'import liner, os; print(os.path.dirname(liner.__file__))')"
[[ "$installed" == "$work/venv/"* ]] || ci_die "the venv imports liner from $installed"
[ -f "$installed/py.typed" ] || ci_die "the installed package has no py.typed"
ci_note "installed liner package: $installed"

LINER_TEST_LIBRARY="$library" ci_run "$python" python/test_liner_lookup.py

# The scenarios outside the repository: their _support.py adds <root>/python to sys.path,
# and under $work/tree there is none.
mkdir -p "$work/tree/tests"
cp -r tests/redis "$work/tree/tests/redis"
for scenario in smoke_delivery binding_api refused_redelivered stats_metrics; do
    (cd "$work" && LINER_LIB="$library" LINER_TEST_REDIS_URL="$LINER_REDIS_URL" \
        ci_run "$python" "$work/tree/tests/redis/scenario_$scenario.py") \
        || ci_die "scenario $scenario failed through the installed package"
done
ci_note "pip install ./python: lookup and scenarios passed through the installed package"
