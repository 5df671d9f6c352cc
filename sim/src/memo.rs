//! A bounded memo of a pure function, for a `thread_local!`: remembered answers are dropped
//! all at once when there are too many, so text that users type (a source line, a manifest
//! they edit) cannot grow it without bound. Determinism is unaffected: a forgotten answer is
//! worked out again, the same.

use std::borrow::Borrow;
use std::collections::BTreeMap;

/// How many answers a memo keeps before it starts again.
const LIMIT: usize = 256;

#[derive(Debug)]
pub(crate) struct Memo<K, V>(BTreeMap<K, V>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<K: Ord, V: Clone> Memo<K, V> {
    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.0.get(key).cloned()
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.0.len() >= LIMIT {
            self.0.clear();
        }
        self.0.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_memo_starts_again() {
        let mut m: Memo<String, usize> = Memo::default();
        for i in 0..LIMIT {
            m.insert(i.to_string(), i);
        }
        assert_eq!(m.get("7"), Some(7));
        m.insert("new".into(), 1);
        assert_eq!(m.get("7"), None, "forgotten");
        assert_eq!(m.get("new"), Some(1));
    }
}
