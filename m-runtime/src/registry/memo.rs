//! Values computed once per registry and kept for the process, keyed by
//! the registry's identity ([`Registry::identity`](super::Registry)): the
//! addresses of its `&'static` items, which never change.

use std::sync::{Mutex, PoisonError};

/// A few values per registry identity (plus whatever else the key holds):
/// the linked registry's, and the last few a test suite built.
pub(crate) struct Memo<T> {
    entries: Mutex<Vec<(Vec<usize>, T)>>,
}

/// How many entries a [`Memo`] keeps: the oldest goes first.
const KEPT: usize = 8;

impl<T: Clone> Memo<T> {
    pub(crate) const fn new() -> Self {
        Memo {
            entries: Mutex::new(Vec::new()),
        }
    }

    /// The value kept for `key`, if any.
    pub(crate) fn get(&self, key: &[usize]) -> Option<T> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(kept, _)| kept.as_slice() == key)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` for `key` (a value already kept stays). A panic while
    /// holding the lock cannot leave a wrong entry: one is pushed whole or
    /// not at all.
    pub(crate) fn put(&self, key: Vec<usize>, value: T) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.iter().any(|(kept, _)| *kept == key) {
            return;
        }
        if entries.len() == KEPT {
            entries.remove(0);
        }
        entries.push((key, value));
    }
}
