//! Seeds for parallel random draws.

/// A seed for draw `i` of a seeded computation (SplitMix64 mixing), so that
/// parallel draws do not depend on how the work is split between threads.
pub(crate) fn stream_seed(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
