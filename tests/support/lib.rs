//! Shared support for m's integration tests: one fresh database per test on
//! each backend.
