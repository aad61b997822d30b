//! The HNSW graph against exact search, and its dump/reload.

use landscape::retrieve::ChunkSet;
use landscape::retrieve::VectorRetriever;
use landscape::vector::{exact_search, HnswParams, VectorIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DIMS: usize = 384;

/// Unit vectors with the structure of text embeddings: topics (cluster centres) in a
/// low-dimensional subspace of the 384 dimensions, plus a little noise in all of them.
fn clustered(n: usize, clusters: usize, rng: &mut StdRng) -> Vec<Vec<f32>> {
    const LATENT: usize = 24;
    let gauss = |rng: &mut StdRng| -> f32 {
        // Box-Muller: rand's Normal lives in another crate.
        let (u, v): (f32, f32) = (rng.random_range(1e-6..1.0), rng.random_range(0.0..1.0));
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    };
    let basis: Vec<Vec<f32>> = (0..LATENT)
        .map(|_| (0..DIMS).map(|_| gauss(rng)).collect())
        .collect();
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| (0..LATENT).map(|_| gauss(rng)).collect())
        .collect();
    (0..n)
        .map(|i| {
            let z: Vec<f32> = centres[i % clusters]
                .iter()
                .map(|c| c + 0.6 * gauss(rng))
                .collect();
            let mut v: Vec<f32> = (0..DIMS)
                .map(|d| {
                    basis.iter().zip(&z).map(|(b, z)| b[d] * z).sum::<f32>() + 0.3 * gauss(rng)
                })
                .collect();
            landscape::embed::normalise(&mut v);
            v
        })
        .collect()
}

fn recall_at_10(index: &VectorIndex, data: &[Vec<f32>], queries: &[Vec<f32>]) -> f64 {
    let mut found = 0;
    for q in queries {
        let truth: Vec<u32> = exact_search(data, q, 10).iter().map(|h| h.chunk).collect();
        let got: Vec<u32> = index
            .search(q, 10, None)
            .unwrap()
            .iter()
            .map(|h| h.chunk)
            .collect();
        found += truth.iter().filter(|t| got.contains(t)).count();
    }
    found as f64 / (10 * queries.len()) as f64
}

#[test]
fn recall_at_10_against_exact_search_and_after_reload() {
    let mut rng = StdRng::seed_from_u64(7);
    let data = clustered(4000, 40, &mut rng);
    let queries = clustered(200, 40, &mut rng);
    let params = HnswParams::default();
    let index = VectorIndex::build(&data, DIMS, params).unwrap();
    let recall = recall_at_10(&index, &data, &queries);
    eprintln!("HNSW recall@10 = {recall:.4}");
    assert!(recall >= 0.98, "recall@10 {recall} < 0.98");

    let dir = tempfile::tempdir().unwrap();
    index.dump(dir.path()).unwrap();
    let reloaded = VectorIndex::load(dir.path(), DIMS, params.ef_search).unwrap();
    assert_eq!(reloaded.len(), data.len());
    for q in queries.iter().take(20) {
        let a: Vec<u32> = index
            .search(q, 10, None)
            .unwrap()
            .iter()
            .map(|h| h.chunk)
            .collect();
        let b: Vec<u32> = reloaded
            .search(q, 10, None)
            .unwrap()
            .iter()
            .map(|h| h.chunk)
            .collect();
        assert_eq!(a, b, "reloaded graph answers differently");
    }
}

/// The flat walk searches hnsw_rs's graph with the same algorithm, so it must find what
/// hnsw_rs's own search finds, at least as often as hnsw_rs finds the exact neighbours.
#[test]
fn the_flat_walk_matches_hnsw_rs_own_search() {
    let mut rng = StdRng::seed_from_u64(5);
    let data = clustered(3000, 30, &mut rng);
    let queries = clustered(150, 30, &mut rng);
    let index = VectorIndex::build(&data, DIMS, HnswParams::default()).unwrap();
    let (mut ours, mut theirs, mut shared) = (0, 0, 0);
    for q in &queries {
        let truth: Vec<u32> = exact_search(&data, q, 10).iter().map(|h| h.chunk).collect();
        let walk: Vec<u32> = index
            .search(q, 10, None)
            .unwrap()
            .iter()
            .map(|h| h.chunk)
            .collect();
        let reference: Vec<u32> = index
            .hnsw_rs_search(q, 10)
            .expect("a built index keeps hnsw_rs's graph")
            .iter()
            .map(|h| h.chunk)
            .collect();
        ours += truth.iter().filter(|t| walk.contains(t)).count();
        theirs += truth.iter().filter(|t| reference.contains(t)).count();
        shared += reference.iter().filter(|r| walk.contains(r)).count();
    }
    let n = (10 * queries.len()) as f64;
    let (ours, theirs, shared) = (ours as f64 / n, theirs as f64 / n, shared as f64 / n);
    eprintln!("recall@10: flat walk {ours:.4}, hnsw_rs {theirs:.4}; overlap {shared:.4}");
    assert!(
        ours >= theirs - 0.005,
        "flat walk {ours} < hnsw_rs {theirs}"
    );
    assert!(shared >= 0.97, "the two searches agree on only {shared}");
}

#[test]
fn similarity_scores_and_filters() {
    let mut rng = StdRng::seed_from_u64(11);
    let data = clustered(500, 5, &mut rng);
    let index = VectorIndex::build(&data, DIMS, HnswParams::default()).unwrap();
    let hits = index.search(&data[42], 5, None).unwrap();
    assert_eq!(
        hits[0].chunk, 42,
        "a stored vector is its own nearest neighbour"
    );
    assert!((hits[0].score - 1.0).abs() < 1e-4);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    let even = |id: &usize| id.is_multiple_of(2);
    let filtered = index.search_filtered(&data[43], 10, Some(&even)).unwrap();
    assert!(!filtered.is_empty());
    assert!(filtered.iter().all(|h| h.chunk % 2 == 0), "{filtered:?}");
    // Wrong dimensions are an error, not a panic.
    assert!(index.search(&[0.5; 3], 5, None).is_err());
}

#[test]
fn a_damaged_dump_is_an_error_not_a_panic() {
    let mut rng = StdRng::seed_from_u64(3);
    let data = clustered(100, 2, &mut rng);
    let index = VectorIndex::build(&data, DIMS, HnswParams::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    index.dump(dir.path()).unwrap();
    let graph = dir.path().join("vectors.hnsw.graph");
    let mut bytes = std::fs::read(&graph).unwrap();
    bytes.truncate(bytes.len() / 3);
    std::fs::write(&graph, bytes).unwrap();
    assert!(VectorIndex::load(dir.path(), DIMS, 64).is_err());
}

#[test]
fn chunk_set_filters_are_exact_when_small_and_kept_when_large() {
    let mut rng = StdRng::seed_from_u64(12);
    let data = clustered(2000, 8, &mut rng);
    let index = VectorIndex::build(&data, DIMS, HnswParams::default()).unwrap();
    let exact_within = |set: &ChunkSet, q: &[f32]| -> Vec<u32> {
        let mut all: Vec<(f32, u32)> = set
            .iter()
            .map(|id| {
                (
                    data[id as usize].iter().zip(q).map(|(a, b)| a * b).sum(),
                    id,
                )
            })
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        all.into_iter().take(10).map(|(_, id)| id).collect()
    };
    // Few allowed points: scored directly, so exactly the brute-force answer.
    let small = ChunkSet::new(data.len(), (0..data.len()).step_by(97));
    // Many: the walk keeps only allowed points and finds nearly all of the best.
    let large = ChunkSet::new(data.len(), (0..data.len()).filter(|i| i % 3 != 0));
    let mut recall = 0.0;
    for q in data.iter().step_by(101) {
        let hits = index.search(q, 10, Some(&small)).unwrap();
        let ids: Vec<u32> = hits.iter().map(|h| h.chunk).collect();
        assert_eq!(ids, exact_within(&small, q));
        let hits = index.search(q, 10, Some(&large)).unwrap();
        assert!(hits.iter().all(|h| large.contains(h.chunk)));
        let truth = exact_within(&large, q);
        recall += hits.iter().filter(|h| truth.contains(&h.chunk)).count() as f64 / 10.0;
    }
    let recall = recall / data.iter().step_by(101).count() as f64;
    assert!(recall >= 0.95, "filtered recall {recall}");
}
