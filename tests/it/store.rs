//! Generations and manifests: another model or format is refused, damage is detected.

use std::sync::Arc;

use landscape::chunk::ChunkParams;
use landscape::corpus::Corpus;
use landscape::embed::{Embed, EmbedError, ModelIdentity};
use landscape::engine::{Engine, EngineConfig, EngineError};
use landscape::indexer::{self, BuildOptions};
use landscape::store::StoreError;

use crate::common::{build_with, model, Site};

/// The real model under another identity: what an index built by a different model looks like
/// to this binary.
struct Renamed {
    identity: ModelIdentity,
}

impl Embed for Renamed {
    fn identity(&self) -> &ModelIdentity {
        &self.identity
    }
    fn embed(&self, texts: &[String], batch: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        model().embed(texts, batch)
    }
}

#[test]
fn an_index_from_another_model_is_refused_with_a_clear_message() {
    let site = Site::zoo();
    site.build();
    let mut identity = model().identity().clone();
    identity.sha256 = "0".repeat(64);
    identity.id = "some-other-model".into();
    let other: Arc<dyn Embed> = Arc::new(Renamed { identity });
    let err = Engine::open(&site.store(), other.clone(), EngineConfig::default())
        .err()
        .expect("must refuse");
    assert!(
        matches!(
            err,
            EngineError::Store(StoreError::Mismatch { what: "model", .. })
        ),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("some-other-model") && message.contains("landscape index"),
        "{message}"
    );
    // ... and a build with that model is not considered up to date.
    let corpus = Corpus::load(&site.corpus).unwrap();
    assert!(!indexer::is_up_to_date(
        &site.store(),
        &corpus,
        other.as_ref(),
        &BuildOptions::default()
    )
    .unwrap());
    assert!(indexer::is_up_to_date(
        &site.store(),
        &corpus,
        model().as_ref(),
        &BuildOptions::default()
    )
    .unwrap());
}

#[test]
fn an_index_of_another_format_is_refused() {
    let site = Site::zoo();
    let report = site.build();
    let path = site
        .index
        .join(&report.manifest.generation)
        .join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            &format!("\"format_version\": {}", landscape::store::FORMAT_VERSION),
            "\"format_version\": 999",
        ),
    )
    .unwrap();
    let err = Engine::open(&site.store(), model(), EngineConfig::default())
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            EngineError::Store(StoreError::Mismatch {
                what: "index format",
                ..
            })
        ),
        "{err}"
    );
}

#[test]
fn damaged_or_missing_files_are_detected_before_serving() {
    let site = Site::zoo();
    let report = site.build();
    let dir = site.index.join(&report.manifest.generation);
    let data = dir.join("vectors.hnsw.data");
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();
    let err = Engine::open(&site.store(), model(), EngineConfig::default())
        .err()
        .unwrap();
    assert!(
        matches!(err, EngineError::Store(StoreError::Corrupt { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("vectors.hnsw.data"), "{err}");

    bytes[mid] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();
    site.engine(); // repaired: opens again
    std::fs::remove_file(dir.join("chunks.json")).unwrap();
    let err = Engine::open(&site.store(), model(), EngineConfig::default())
        .err()
        .unwrap();
    assert!(err.to_string().contains("chunks.json"), "{err}");
}

#[test]
fn no_index_is_a_clear_error() {
    let site = Site::zoo();
    let err = Engine::open(&site.store(), model(), EngineConfig::default())
        .err()
        .unwrap();
    assert!(
        matches!(err, EngineError::Store(StoreError::NoIndex(_))),
        "{err}"
    );
}

#[test]
fn manifest_records_what_shaped_the_index_and_edits_reuse_the_cache() {
    let site = Site::zoo();
    let first = site.build();
    let m = &first.manifest;
    assert_eq!(m.pages, 5);
    assert_eq!(m.chunks, 10);
    assert_eq!(m.model.dimensions, 384);
    assert_eq!(m.model.sha256, model().identity().sha256);
    assert_eq!(m.chunker, ChunkParams::default());
    assert!(m.files.contains_key("vectors.hnsw.graph") && m.files.contains_key("chunks.json"));
    assert!(m.files.keys().any(|f| f.starts_with("keyword/")));
    assert_eq!(first.cached, 0);

    // Edit one page: only its changed chunk is embedded again.
    let cat = site.corpus.join("cat.md");
    let text = std::fs::read_to_string(&cat).unwrap();
    std::fs::write(&cat, text.replace("purrs", "purrs loudly")).unwrap();
    let corpus = Corpus::load(&site.corpus).unwrap();
    assert!(!indexer::is_up_to_date(
        &site.store(),
        &corpus,
        model().as_ref(),
        &BuildOptions::default()
    )
    .unwrap());
    let second = site.build();
    assert_eq!(second.embedded, 1);
    assert_eq!(second.cached, 9);
    assert_ne!(second.manifest.corpus_hash, first.manifest.corpus_hash);
    assert_ne!(second.manifest.generation, first.manifest.generation);

    // Other chunking is another index.
    let options = BuildOptions {
        chunk: ChunkParams {
            max_tokens: 128,
            overlap_sentences: 0,
        },
        ..Default::default()
    };
    assert!(!indexer::is_up_to_date(&site.store(), &corpus, model().as_ref(), &options).unwrap());
    let third = build_with(&site.corpus, &site.store(), &options);
    assert_eq!(third.manifest.chunker.max_tokens, 128);
    // Old generations are swept, keeping the live one and the one before it.
    let fourth = site.build();
    assert_eq!(
        generations(&site.index),
        vec![
            third.manifest.generation.clone(),
            fourth.manifest.generation.clone()
        ]
    );
}

/// A generation a running server still reads (it holds a lease) is not swept until the lease
/// is dropped; a lease left by a process that died does not keep it.
#[test]
fn leased_generations_survive_sweeping_until_released() {
    let site = Site::zoo();
    let first = site.build().manifest.generation;
    let lease = site.store().lease(&first).unwrap();
    let generations = || generations(&site.index);
    let rebuild = |note: &str| {
        let cat = site.corpus.join("cat.md");
        let text = std::fs::read_to_string(&cat).unwrap();
        std::fs::write(&cat, text.replace("purrs", &format!("purrs {note}"))).unwrap();
        site.build().manifest.generation
    };
    rebuild("softly");
    let third = rebuild("gently");
    assert!(generations().contains(&first), "leased: kept");
    drop(lease);
    let fourth = rebuild("calmly");
    assert_eq!(generations(), vec![third, fourth.clone()]);
    // A lease file whose process is gone (pid far beyond any live one) does not count.
    let readers = site.index.join(&fourth).join("readers");
    std::fs::create_dir_all(&readers).unwrap();
    std::fs::write(readers.join("4194303.0"), b"").unwrap();
    rebuild("warmly");
    rebuild("kindly");
    assert!(!generations().contains(&fourth));
}

/// The generation folders in an index folder, in order.
fn generations(index: &std::path::Path) -> Vec<String> {
    let mut gens: Vec<String> = std::fs::read_dir(index)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    gens.sort();
    gens
}
