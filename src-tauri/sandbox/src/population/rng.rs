//! A small, fixed random number generator (SplitMix64), so a population is the same on every
//! platform and with every version of every dependency.

pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A stream for one `slot` (a person) of one `seed`, independent of every other slot's.
    pub fn new(seed: u64, slot: u64) -> Rng {
        let mut rng = Rng {
            state: seed ^ slot.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17),
        };
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for test data, and without a division.
        ((u128::from(self.next()) * u128::from(n.max(1))) >> 64) as u64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}
