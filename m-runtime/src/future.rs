//! The future type of m's object-safe async trait methods.

/// A boxed, sendable future, the return type of object-safe async methods.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
