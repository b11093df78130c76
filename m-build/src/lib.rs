//! build.rs helpers of m.
