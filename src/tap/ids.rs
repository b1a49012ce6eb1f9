//! The set of test point IDs seen in one document, for duplicate, missing
//! and out-of-plan detection without keeping the test points themselves.
//!
//! IDs are dense in practice (1..N, in any order), so a bitset is both the
//! smallest and the fastest answer: 20 million points cost 2.5 MB. The
//! bitset only grows to the largest ID actually seen, and never past
//! [`DENSE_LIMIT`]; the rare absurd IDs above it go to an ordered set.

use std::collections::BTreeSet;

/// IDs below this live in the bitset (at most 16 MiB of bits).
pub const DENSE_LIMIT: u64 = 1 << 27;

#[derive(Debug, Default)]
pub(crate) struct IdSet {
    bits: Vec<u64>,
    sparse: BTreeSet<u64>,
    min: Option<u64>,
    max: u64,
}

impl IdSet {
    /// Adds `id`; false when it was already there.
    pub fn insert(&mut self, id: u64) -> bool {
        let new = if id < DENSE_LIMIT {
            // Cannot truncate: id < 2^27.
            let word = (id / 64) as usize;
            if word >= self.bits.len() {
                // Grow geometrically so that ascending IDs cost amortised O(1).
                let want = (word + 1)
                    .max(self.bits.len() * 2)
                    .min((DENSE_LIMIT / 64) as usize);
                self.bits.resize(want, 0);
            }
            let mask = 1u64 << (id % 64);
            let new = self.bits[word] & mask == 0;
            self.bits[word] |= mask;
            new
        } else {
            self.sparse.insert(id)
        };
        self.min = Some(self.min.map_or(id, |m| m.min(id)));
        self.max = self.max.max(id);
        new
    }

    pub fn contains(&self, id: u64) -> bool {
        if id < DENSE_LIMIT {
            self.bits
                .get((id / 64) as usize)
                .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
        } else {
            self.sparse.contains(&id)
        }
    }

    /// How many distinct IDs lie in `start..=end`.
    pub fn count_in(&self, start: u64, end: u64) -> u64 {
        if end < start {
            return 0;
        }
        let mut n = 0u64;
        let dense_end = end.min(DENSE_LIMIT - 1);
        if start <= dense_end {
            let (first, last) = ((start / 64) as usize, (dense_end / 64) as usize);
            for (i, &w) in self.bits.iter().enumerate().take(last + 1).skip(first) {
                let mut w = w;
                if i == first {
                    w &= u64::MAX << (start % 64);
                }
                if i == last && dense_end % 64 != 63 {
                    w &= (1u64 << (dense_end % 64 + 1)) - 1;
                }
                n += u64::from(w.count_ones());
            }
        }
        if end >= DENSE_LIMIT {
            n += self.sparse.range(start.max(DENSE_LIMIT)..=end).count() as u64;
        }
        n
    }

    /// Up to `limit` IDs in `start..=end` that were not seen, in order.
    /// Costs O(seen + limit), whatever the size of the range.
    pub fn missing(&self, start: u64, end: u64, limit: usize) -> Vec<u64> {
        let mut out = Vec::new();
        let mut id = start;
        while id <= end && out.len() < limit {
            if id < DENSE_LIMIT && id % 64 == 0 {
                // Skip whole words that are full.
                if let Some(&w) = self.bits.get((id / 64) as usize) {
                    if w == u64::MAX && id + 63 <= end {
                        id += 64;
                        continue;
                    }
                }
            }
            if !self.contains(id) {
                out.push(id);
            }
            match id.checked_add(1) {
                Some(next) => id = next,
                None => break,
            }
        }
        out
    }

    /// Up to `limit` seen IDs outside `start..=end`, in order.
    pub fn outside(&self, start: u64, end: u64, limit: usize) -> Vec<u64> {
        let mut out = Vec::new();
        let Some(min) = self.min else {
            return out;
        };
        if min >= start && self.max <= end {
            return out;
        }
        let mut push = |id: u64| {
            if (id < start || id > end) && out.len() < limit {
                out.push(id);
            }
        };
        for (word, &w) in self.bits.iter().enumerate() {
            if w == 0 {
                continue;
            }
            let base = word as u64 * 64;
            if base >= start && base + 63 <= end {
                continue;
            }
            for bit in 0..64 {
                if w & (1u64 << bit) != 0 {
                    push(base + bit);
                }
            }
        }
        for &id in &self.sparse {
            push(id);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_detects_duplicates_dense_and_sparse() {
        let mut s = IdSet::default();
        assert!(s.insert(1));
        assert!(s.insert(3));
        assert!(!s.insert(1));
        assert!(s.insert(DENSE_LIMIT + 5));
        assert!(!s.insert(DENSE_LIMIT + 5));
        assert!(s.insert(u64::MAX));
        assert!(s.contains(3) && !s.contains(2) && s.contains(u64::MAX));
    }

    #[test]
    fn count_missing_outside() {
        let mut s = IdSet::default();
        for id in [2, 3, 1, 7, 64, 65, 200, DENSE_LIMIT, DENSE_LIMIT + 1] {
            s.insert(id);
        }
        assert_eq!(s.count_in(1, 7), 4);
        assert_eq!(s.count_in(1, 64), 5);
        assert_eq!(s.count_in(64, 65), 2);
        assert_eq!(s.count_in(0, u64::MAX), 9);
        assert_eq!(s.count_in(DENSE_LIMIT, DENSE_LIMIT), 1);
        assert_eq!(s.count_in(1, DENSE_LIMIT - 1), 7);
        assert_eq!(s.missing(1, 8, 100), vec![4, 5, 6, 8]);
        assert_eq!(s.missing(1, 8, 2), vec![4, 5]);
        assert_eq!(
            s.outside(1, 64, 100),
            vec![65, 200, DENSE_LIMIT, DENSE_LIMIT + 1]
        );
        assert_eq!(s.outside(0, u64::MAX, 100), Vec::<u64>::new());
        // A huge range with nothing seen stops at the limit.
        assert_eq!(IdSet::default().missing(1, u64::MAX, 3), vec![1, 2, 3]);
    }

    #[test]
    fn full_words_are_skipped() {
        let mut s = IdSet::default();
        for id in 0..1000 {
            s.insert(id);
        }
        assert_eq!(s.missing(0, 1001, 10), vec![1000, 1001]);
        assert_eq!(s.count_in(1, 1000), 999);
    }
}
