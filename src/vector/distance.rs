//! Similarity of unit vectors: the inner loop of every graph walk.

use hnsw_rs::anndists::dist::Distance;

/// `1 - dot` for unit vectors, clamped at zero: hnsw_rs's distance while building the graph.
///
/// anndists' own `DistDot` asserts that the result is non-negative, and rounding makes the dot
/// product of a unit vector with itself exceed 1 now and then: a panic on a valid query.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitDot;

impl Distance<f32> for UnitDot {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - dot(a, b)).max(0.0)
    }
}

/// The dot product.
///
/// On x86-64 CPUs with AVX2 and FMA (checked at run time; std caches the answer) the same code
/// is compiled for those instructions; elsewhere it runs on the baseline instruction set.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features `dot_avx2` is compiled for.
        return unsafe { dot_avx2(a, b) };
    }
    dot_lanes(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_lanes(a, b)
}

/// Sums in sixteen independent lanes. A plain `iter().sum()` must add in order (floating-point
/// addition is not associative), which keeps the compiler from using SIMD; sixteen running
/// sums let it fill two 256-bit registers. On SciFact this halved the semantic leg's time.
#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let n = a.len().min(b.len());
    let main = n - n % LANES;
    let mut sums = [0.0f32; LANES];
    for (x, y) in a[..main]
        .chunks_exact(LANES)
        .zip(b[..main].chunks_exact(LANES))
    {
        for i in 0..LANES {
            sums[i] += x[i] * y[i];
        }
    }
    let rest: f32 = a[main..n].iter().zip(&b[main..n]).map(|(x, y)| x * y).sum();
    sums.iter().sum::<f32>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for n in [0, 1, 7, 15, 16, 17, 33, 384] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "length {n}");
        }
    }
}
