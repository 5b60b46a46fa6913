//! Small performance helpers for the engine: a fast non-cryptographic hasher for maps keyed by
//! the engine's own data, and splitting work over a given number of threads.
//!
//! The hasher is not resistant to chosen keys; it is used only where the keys come from the
//! engine's own records and a slow-down is the worst an odd input can cause.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The multiply-rotate hash used by the Rust compiler for its own tables.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// Run `work` over `items` split into one chunk per thread, and concatenate the results in
/// order. With one thread, or little work, everything runs on the caller's thread.
pub(crate) fn in_parallel<T, R, F>(threads: usize, items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> Vec<R> + Sync,
{
    if threads <= 1 || items.len() < 4_096 {
        return work(items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        let mut out = Vec::new();
        for handle in handles {
            // A panic in a worker is a bug in the engine; carry it to the caller unchanged.
            match handle.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_work_keeps_the_order_of_the_items() {
        let items: Vec<u32> = (0..10_000).collect();

        let doubled = in_parallel(3, &items, |part| part.iter().map(|x| x * 2).collect());

        let expected: Vec<u32> = items.iter().map(|x| x * 2).collect();
        assert_eq!(
            doubled, expected,
            "results come back in input order, whatever the split"
        );
    }
}
