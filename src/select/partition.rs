//! `--partition K/N`: one deterministic slice of the selected scripts, for
//! CI systems that fan a run out over N jobs (and `tck merge` joins their
//! reports).
//!
//! **The scheme: slicing by index, after every other selection step.** The
//! selected scripts, in path order (built-in ids sorted, then external
//! scripts in argument order), are dealt round-robin: slice K takes the
//! scripts at positions K-1, K-1+N, K-1+2N, … So:
//!
//! - every selected script is in exactly one slice, and slice sizes differ
//!   by at most one;
//! - consecutive scripts go to different slices. Neighbours in path order
//!   are alike (one area, often the same guest set-up), and the slow ones
//!   cluster (the `domain/` scripts that boot guests, the stream transfers
//!   of `storage/`), so dealing spreads each area's cost over every slice
//!   instead of giving one job the whole slow area;
//! - slicing happens after `--filter`, `--rerun-failed` and the targets, so
//!   the slices of a filtered run are balanced too.
//!
//! The alternative nextest also offers, hashing each id into a slice, keeps
//! a script in the same slice when the selection changes. That matters when
//! jobs of one pipeline could select differently; here they run the same
//! command (only K differs), and `tck merge` refuses slices of different
//! environments, so stability across selections buys nothing, while hashing
//! 112 scripts into 4 slices leaves slices of visibly unequal size.

use std::fmt;
use std::str::FromStr;

/// Slice `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: u32,
    pub count: u32,
}

impl Partition {
    /// Whether the script at `position` (0-based, in path order among the
    /// selected scripts) is in this slice.
    pub fn contains(self, position: usize) -> bool {
        position % self.count as usize == (self.index - 1) as usize
    }

    /// Keeps the items of this slice, in their order.
    pub fn apply<T>(self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i))
            .map(|(_, t)| t)
            .collect()
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Partition {
    type Err = String;

    /// `K/N` with 1 ≤ K ≤ N (nextest's `slice:K/N` is accepted too).
    fn from_str(s: &str) -> Result<Self, String> {
        let text = s.trim();
        let text = text.strip_prefix("slice:").unwrap_or(text);
        let usage = || format!("{s:?}: write K/N, slice K of N, e.g. 2/4 (1 <= K <= N)");
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let index: u32 = k.trim().parse().map_err(|_| usage())?;
        let count: u32 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index == 0 || index > count {
            return Err(usage());
        }
        Ok(Partition { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Partition {
        s.parse().expect(s)
    }

    #[test]
    fn partitions_parse_and_print() {
        assert_eq!(p("2/4"), Partition { index: 2, count: 4 });
        assert_eq!(p("slice:1/1"), Partition { index: 1, count: 1 });
        assert_eq!(p(" 3 / 3 ").to_string(), "3/3");
        for bad in [
            "", "2", "0/4", "5/4", "1/0", "a/b", "2/4/6", "-1/4", "hash:1/2",
        ] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert!(e.contains("K/N"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn slices_cover_every_item_once_and_are_balanced() {
        let items: Vec<usize> = (0..112).collect();
        for n in 1..=9u32 {
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            for k in 1..=n {
                let slice = Partition { index: k, count: n }.apply(items.clone());
                // Order within a slice is the selection's order.
                assert!(slice.windows(2).all(|w| w[0] < w[1]));
                sizes.push(slice.len());
                seen.extend(slice);
            }
            seen.sort_unstable();
            assert_eq!(seen, items, "N={n}: every item in exactly one slice");
            let (min, max) = (sizes.iter().min(), sizes.iter().max());
            assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "{sizes:?}");
        }
    }

    #[test]
    fn neighbours_go_to_different_slices() {
        let slice = Partition { index: 2, count: 3 }.apply((0..10).collect::<Vec<_>>());
        assert_eq!(slice, [1, 4, 7]);
    }
}
