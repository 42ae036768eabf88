//! C ABI of liner: `lnr_*` functions over the std client (see include/liner.h).
