# liner-core on a Cortex-M4F (no_std, no alloc): must build with and without defmt.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set -euo pipefail

ci_run cargo build -p liner-core --target thumbv7em-none-eabihf
ci_run cargo build -p liner-core --target thumbv7em-none-eabihf --features defmt
