//! A vector whose copies share their contents: the pods and the trace of a simulator that a
//! lab copies after every step (`undo`, `rewind`) and a fuzzer copies for every input.
//!
//! Elements live in fixed-size chunks behind reference counts. Copying the vector copies the
//! chunk pointers; the first write to a chunk that another copy still holds copies that chunk
//! alone. So a copy costs one pointer per [`CHUNK`] elements, and a step that touches a few
//! pods or appends a few events copies a few chunks, where a plain `Vec` copied everything.
//! The chunk being filled is the exception: each copy owns its own (a copy clones fewer than
//! [`CHUNK`] elements), so an append, most of the trace's writes, takes no atomic
//! reference-count check.

use std::ops::{Bound, Index, RangeBounds};
use std::sync::Arc;

/// Elements per chunk: small enough that the chunk a write copies is cheap, large enough that
/// iterating stays a walk over contiguous memory.
pub const CHUNK: usize = 64;

#[derive(Debug)]
pub struct CowVec<T> {
    /// Full chunks, shared between copies.
    chunks: Vec<Arc<Vec<T>>>,
    /// The chunk being filled, owned by this copy alone: appending (nearly all the trace's
    /// writes) then needs no atomic check of a reference count. A copy clones it, fewer than
    /// [`CHUNK`] elements.
    tail: Vec<T>,
}

impl<T: Clone> Clone for CowVec<T> {
    fn clone(&self) -> Self {
        // An empty tail stays unallocated until the copy's first push.
        let mut tail = Vec::new();
        if !self.tail.is_empty() {
            tail.reserve_exact(CHUNK);
            tail.extend_from_slice(&self.tail);
        }
        Self {
            chunks: self.chunks.clone(),
            tail,
        }
    }
}

impl<T> Default for CowVec<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T> CowVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.chunks.len() * CHUNK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.tail.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        match self.chunks.get(i / CHUNK) {
            Some(chunk) => chunk.get(i % CHUNK),
            None if i / CHUNK == self.chunks.len() => self.tail.get(i % CHUNK),
            None => None,
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.tail.last().or_else(|| self.chunks.last()?.last())
    }

    pub fn iter(&self) -> Iter<'_, T> {
        self.into_iter()
    }

    /// The elements as contiguous runs, each with its index: the full chunks, then the tail.
    fn segments(&self, which: std::ops::Range<usize>) -> impl DoubleEndedIterator<Item = (usize, &[T])> + Clone {
        which.map(|c| match self.chunks.get(c) {
            Some(chunk) => (c, chunk.as_slice()),
            None => (c, self.tail.as_slice()),
        })
    }

    pub fn indexed(&self) -> impl DoubleEndedIterator<Item = (usize, &T)> + Clone {
        self.segments(0..self.chunks.len() + 1)
            .flat_map(|(c, chunk)| chunk.iter().enumerate().map(move |(i, x)| (c * CHUNK + i, x)))
    }

    pub fn range(&self, range: impl RangeBounds<usize>) -> impl DoubleEndedIterator<Item = &T> + Clone {
        let len = self.len();
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        }
        .min(len);
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => len,
        }
        .clamp(start, len);
        let first = start / CHUNK;
        let last = end.div_ceil(CHUNK);
        self.segments(first..last.max(first)).flat_map(move |(i, c)| {
            let base = i * CHUNK;
            let lo = start.saturating_sub(base).min(c.len());
            let hi = (end - base).min(c.len());
            c[lo..hi.max(lo)].iter()
        })
    }
}

impl<T: Clone> CowVec<T> {
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let full = self.chunks.len();
        match self.chunks.get_mut(i / CHUNK) {
            Some(chunk) => Arc::make_mut(chunk).get_mut(i % CHUNK),
            None if i / CHUNK == full => self.tail.get_mut(i % CHUNK),
            None => None,
        }
    }

    pub fn push(&mut self, value: T) {
        if self.tail.capacity() == 0 {
            self.tail.reserve_exact(CHUNK);
        }
        self.tail.push(value);
        if self.tail.len() == CHUNK {
            let full = std::mem::replace(&mut self.tail, Vec::with_capacity(CHUNK));
            self.chunks.push(Arc::new(full));
        }
    }
}

pub type Iter<'a, T> = std::iter::Chain<
    std::iter::FlatMap<
        std::slice::Iter<'a, Arc<Vec<T>>>,
        std::slice::Iter<'a, T>,
        fn(&'a Arc<Vec<T>>) -> std::slice::Iter<'a, T>,
    >,
    std::slice::Iter<'a, T>,
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
            .chain(self.tail.iter())
    }
}

impl<T> Index<usize> for CowVec<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("index {i} out of range for a CowVec of length {}", self.len()),
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
    fn the_owned_tail_is_copied_and_filled_chunks_are_shared() {
        // 130 elements: two full chunks and a tail of two, which each copy owns.
        let mut a: CowVec<u32> = (0..130).collect();
        assert_eq!((a.chunks.len(), a.tail.len()), (2, 2));
        let b = a.clone();
        *a.get_mut(129).unwrap() = 7;
        for x in 130..(3 * CHUNK as u32) {
            a.push(x);
        }
        assert_eq!(
            (a.chunks.len(), a.tail.len()),
            (3, 0),
            "a full tail becomes a shared chunk"
        );
        assert_eq!(b.get(129), Some(&129), "the copy's tail is its own");
        assert_eq!(b.get(130), None);
        assert_eq!(b.len(), 130);
        assert_eq!(
            a.last(),
            Some(&(3 * CHUNK as u32 - 1)),
            "the last element of a full chunk"
        );
        assert_eq!(a.len(), 3 * CHUNK);
        assert_eq!(a.iter().count(), 3 * CHUNK);
        assert_eq!(a.indexed().nth(129), Some((129, &7)));
        assert!(Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        let empty: CowVec<u32> = CowVec::new();
        assert_eq!((empty.last(), empty.get(0), empty.range(..).count()), (None, None, 0));
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
