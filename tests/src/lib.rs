//! Test harness shared by liner's integration tests (being written).
