//! The catalog app.
