//! The orders app.
