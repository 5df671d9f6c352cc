//! A vector whose copies share their contents: the pods and the trace of a simulator that a
//! lab copies after every step (`undo`, `rewind`) and a fuzzer copies for every input.
//!
//! Elements live in fixed-size chunks behind reference counts. Copying the vector copies the
//! chunk pointers; the first write to a chunk that another copy still holds copies that chunk
//! alone. So a copy costs one pointer per [`CHUNK`] elements, and a step that touches a few
//! pods or appends a few events copies a few chunks, where a plain `Vec` copied everything.

use std::ops::{Bound, Index, RangeBounds};
use std::sync::Arc;

/// Elements per chunk: small enough that the chunk a write copies is cheap, large enough that
/// iterating stays a walk over contiguous memory.
pub const CHUNK: usize = 64;

#[derive(Debug)]
pub struct CowVec<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Clone for CowVec<T> {
    fn clone(&self) -> Self {
        Self {
            chunks: self.chunks.clone(),
            len: self.len,
        }
    }
}

impl<T> Default for CowVec<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> CowVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    pub fn last(&self) -> Option<&T> {
        self.chunks.last()?.last()
    }

    pub fn iter(&self) -> Iter<'_, T> {
        self.into_iter()
    }

    /// The elements with their indices (`iter().enumerate()`, from either end).
    pub fn indexed(&self) -> impl DoubleEndedIterator<Item = (usize, &T)> + Clone {
        self.chunks
            .iter()
            .enumerate()
            .flat_map(|(c, chunk)| chunk.iter().enumerate().map(move |(i, x)| (c * CHUNK + i, x)))
    }

    /// The elements in `range`, clamped to the vector (so `from..` past the end is empty, as
    /// `slice.get(from..).unwrap_or_default()` is).
    pub fn range(&self, range: impl RangeBounds<usize>) -> impl DoubleEndedIterator<Item = &T> + Clone {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        }
        .min(self.len);
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => self.len,
        }
        .clamp(start, self.len);
        let first = start / CHUNK;
        let last = end.div_ceil(CHUNK);
        self.chunks[first..last.max(first)]
            .iter()
            .enumerate()
            .flat_map(move |(i, c)| {
                let base = (first + i) * CHUNK;
                let lo = start.saturating_sub(base).min(c.len());
                let hi = (end - base).min(c.len());
                c[lo..hi.max(lo)].iter()
            })
    }
}

impl<T: Clone> CowVec<T> {
    /// The element to change: its chunk is this copy's own from now on.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        Arc::make_mut(self.chunks.get_mut(i / CHUNK)?).get_mut(i % CHUNK)
    }

    pub fn push(&mut self, value: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = self.chunks.last_mut().expect("a chunk was just made");
        Arc::make_mut(last).push(value);
        self.len += 1;
    }
}

/// What `for x in &v` walks.
pub type Iter<'a, T> = std::iter::FlatMap<
    std::slice::Iter<'a, Arc<Vec<T>>>,
    std::slice::Iter<'a, T>,
    fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T>,
>;

impl<'a, T> IntoIterator for &'a CowVec<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        fn chunk<T>(c: &Arc<Vec<T>>) -> std::slice::Iter<'_, T> {
            c.iter()
        }
        self.chunks
            .iter()
            .flat_map(chunk as fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T>)
    }
}

impl<T> Index<usize> for CowVec<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("index {i} out of range for a CowVec of length {}", self.len),
        }
    }
}

impl<T> FromIterator<T> for CowVec<T>
where
    T: Clone,
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = Self::new();
        for x in iter {
            v.push(x);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_keeps_its_contents_when_the_original_changes() {
        let mut a: CowVec<u32> = (0..200).collect();
        let b = a.clone();
        *a.get_mut(5).unwrap() = 99;
        a.push(200);
        assert_eq!(b.get(5), Some(&5));
        assert_eq!(b.len(), 200);
        assert_eq!(a[5], 99);
        assert_eq!(a.len(), 201);
        assert_eq!(a.last(), Some(&200));
        assert!(Arc::ptr_eq(&a.chunks[2], &b.chunks[2]), "untouched chunks stay shared");
    }

    #[test]
    fn ranges_match_a_slice_of_the_same_elements() {
        let v: CowVec<usize> = (0..300).collect();
        let plain: Vec<usize> = (0..300).collect();
        for (a, b) in [
            (0, 0),
            (0, 300),
            (63, 65),
            (64, 128),
            (10, 250),
            (299, 300),
            (300, 300),
            (5, 400),
            (400, 500),
        ] {
            let want: Vec<usize> = plain.get(a.min(300)..b.min(300)).unwrap_or_default().to_vec();
            let got: Vec<usize> = v.range(a..b).copied().collect();
            assert_eq!(got, want, "{a}..{b}");
        }
        assert_eq!(v.range(290..).count(), 10);
        assert_eq!(v.iter().next_back(), Some(&299));
        assert_eq!(v.get(300), None);
    }
}
