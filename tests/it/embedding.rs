//! The real model: shape, normalisation, meaning, batch independence, clear errors.

use landscape::embed::{Embed, EmbedError, LocalModel, ModelPaths};
use landscape::vector::dot;

use crate::common::model;

#[test]
fn vectors_are_unit_384d_and_carry_meaning() {
    let m = model();
    let texts: Vec<String> = [
        "A cat sleeps on the sofa.",
        "A kitten naps on the couch.",
        "Stock markets fell sharply today.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let v = m.embed(&texts, 8).unwrap();
    assert_eq!(v.len(), 3);
    for x in &v {
        assert_eq!(x.len(), 384);
        assert!((dot(x, x) - 1.0).abs() < 1e-4);
    }
    assert!(
        dot(&v[0], &v[1]) > dot(&v[0], &v[2]) + 0.3,
        "paraphrases are closer than unrelated text"
    );
    assert_eq!(m.identity().dimensions, 384);
    assert_eq!(m.identity().sha256.len(), 64);
}

#[test]
fn a_vector_does_not_depend_on_its_batch() {
    // The cache stores vectors computed in indexing batches and queries are embedded alone:
    // both must agree.
    let m = model();
    let target = "Retrieval-augmented generation looks things up before answering.".to_string();
    let alone = m.embed(std::slice::from_ref(&target), 1).unwrap().remove(0);
    let batch: Vec<String> = vec![
        "short".into(),
        target.clone(),
        "A much longer text that forces padding of the other members of this batch to many more tokens than they have on their own, which is how batches are shaped.".into(),
    ];
    let together = m.embed(&batch, 16).unwrap().remove(1);
    let cosine = dot(&alone, &together);
    assert!(cosine > 0.999, "cosine {cosine}");
}

#[test]
fn missing_model_files_name_the_setup_command() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ModelPaths::resolve(Some(dir.path().to_path_buf()), None);
    let err = LocalModel::load(&paths).err().expect("no model there");
    assert!(matches!(err, EmbedError::MissingFile { .. }), "{err}");
    assert!(err.to_string().contains("scripts/setup-model"), "{err}");
}

#[test]
fn a_corrupt_model_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let real = ModelPaths::from_env();
    for f in [
        "tokenizer.json",
        "config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
    ] {
        std::fs::copy(real.model_dir.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("model.onnx"), b"not an onnx model").unwrap();
    let paths = ModelPaths::resolve(
        Some(dir.path().to_path_buf()),
        Some(real.ort_library.clone()),
    );
    let err = LocalModel::load(&paths).err().expect("garbage model");
    assert!(matches!(err, EmbedError::Model { .. }), "{err}");
    assert!(err.to_string().contains("scripts/setup-model"), "{err}");
}

#[test]
fn a_missing_onnx_runtime_is_an_error_naming_the_fix() {
    let site = crate::common::Site::zoo();
    let out = site
        .command("index")
        .args(["--ort-lib", "/nonexistent/libonnxruntime.so"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an error exit, not a crash: {stderr}"
    );
    assert!(
        stderr.contains("cannot load ONNX Runtime from /nonexistent"),
        "{stderr}"
    );
    assert!(stderr.contains("scripts/setup-model"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Queries that arrive together share one model call (`embed::Batched`), and each gets the
/// vector it would have got alone, so the same results.
#[test]
fn queries_batched_across_requests_get_the_vectors_and_results_they_get_alone() {
    use landscape::embed::Batched;
    use landscape::engine::SearchRequest;
    let m = model();
    let batched = Batched::new(m.clone());
    let questions: Vec<String> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/queries/dev.jsonl"
    ))
    .unwrap()
    .lines()
    .take(24)
    .map(|l| {
        serde_json::from_str::<serde_json::Value>(l).unwrap()["query"]
            .as_str()
            .unwrap()
            .to_string()
    })
    .collect();
    let alone: Vec<Vec<f32>> = questions
        .iter()
        .map(|q| m.embed(std::slice::from_ref(q), 1).unwrap().remove(0))
        .collect();
    let start = std::sync::Barrier::new(questions.len());
    let together: Vec<Vec<f32>> = std::thread::scope(|s| {
        let handles: Vec<_> = questions
            .iter()
            .map(|q| {
                let (batched, start) = (&batched, &start);
                s.spawn(move || {
                    start.wait();
                    batched.embed(std::slice::from_ref(q), 1).unwrap().remove(0)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        batched.model_calls() < questions.len() as u64,
        "{} model calls for {} queries: none batched",
        batched.model_calls(),
        questions.len()
    );
    let site = crate::common::Site::zoo();
    site.build();
    let engine = site.engine();
    for ((q, a), b) in questions.iter().zip(&alone).zip(&together) {
        let cosine = dot(a, b);
        assert!(cosine > 0.9999, "{q}: cosine {cosine}");
        let request = SearchRequest::new(q).unwrap();
        let ids = |v: &[f32]| {
            let r = engine.search_with_vector(&request, Some(v)).unwrap();
            r.results.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(a), ids(b), "{q}");
    }
}

/// Indexing sorts texts by length, cuts them into token-budget batches and runs them on every
/// session at once: each vector must still land on its own text, and equal what the text gets
/// alone.
#[test]
fn indexing_batches_by_length_in_parallel_keep_each_vector_with_its_text() {
    use landscape::embed::{embed_cached, EmbeddingCache};
    let m = model();
    assert!(m.parallelism() >= 1);
    let word = |i: usize| ["cat", "market", "protein", "rain", "guitar", "orbit"][i % 6];
    // Lengths from 3 to about 200 tokens, out of order, and one text twice.
    let mut texts: Vec<String> = (0..40)
        .map(|i| {
            let n = (i * 37) % 160 + 1;
            (0..n).map(|j| word(i + j)).collect::<Vec<_>>().join(" ") + &format!(" {i}")
        })
        .collect();
    texts.push(texts[3].clone());
    let dir = tempfile::tempdir().unwrap();
    let mut cache = EmbeddingCache::open(dir.path(), m.identity()).unwrap();
    let mut calls = Vec::new();
    let vectors = embed_cached(m.as_ref(), &mut cache, &texts, 8, &mut |done, total| {
        calls.push((done, total))
    })
    .unwrap();
    assert_eq!(vectors.len(), texts.len());
    assert_eq!(
        calls.last(),
        Some(&(40, 40)),
        "the duplicate is embedded once"
    );
    for (text, v) in texts.iter().zip(&vectors) {
        let alone = m.embed(std::slice::from_ref(text), 1).unwrap().remove(0);
        let cosine = dot(&alone, v);
        assert!(cosine > 0.999, "{text:.40}: cosine {cosine}");
    }
}

/// A query longer than the model reads for queries (a pasted paragraph) is embedded by its
/// first `MAX_QUERY_TOKENS` tokens; a query within them is embedded whole.
#[test]
fn long_queries_are_embedded_by_their_start() {
    use landscape::embed::MAX_QUERY_TOKENS;
    let m = model();
    let short = "how do diffusion models turn noise into images";
    assert_eq!(m.within_tokens(short, MAX_QUERY_TOKENS), short);
    let long = "Diffusion models learn to undo noise one small step at a time. ".repeat(12);
    let start = m.within_tokens(&long, MAX_QUERY_TOKENS);
    assert!(
        long.starts_with(start) && start.len() < long.len(),
        "{start}"
    );
    let tokens = m.token_counter().count(start);
    assert!(
        (MAX_QUERY_TOKENS - 4..=MAX_QUERY_TOKENS).contains(&tokens),
        "{tokens} tokens: {start}"
    );
    // The engine's semantic leg reads the same start.
    let site = crate::common::Site::zoo();
    site.build();
    let engine = site.engine();
    assert_eq!(engine.meaning_texts(long.as_str().into())[0], start);
}

/// `landscape embed` gives a client the vectors this model gives its texts (what `POST
/// /search` takes as `vector`), in the order read; a line without a text names its file and
/// line.
#[test]
fn the_embed_command_prints_each_texts_vector() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("texts.jsonl");
    let embed = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_landscape"))
            .arg("embed")
            .arg(&file)
            .output()
            .unwrap()
    };
    std::fs::write(&file, "what is a cat\n\n{\"query\": \"a dog\"}\n").unwrap();
    let out = embed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["text"], "what is a cat");
    assert_eq!(lines[1]["text"], "a dog");
    let m = model();
    let own = m.embed(&["a dog".to_string()], 1).unwrap().remove(0);
    let printed: Vec<f32> = serde_json::from_value(lines[1]["vector"].clone()).unwrap();
    assert!(dot(&own, &printed) > 0.9999);

    std::fs::write(&file, "fine\n{\"other\": 1}\n").unwrap();
    let out = embed();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("texts.jsonl:2"), "{stderr}");
}

/// A search waiting for a batched model call gives its running slot back (it uses no CPU
/// then, and the batch only holds the searches that reach it), and takes it again after.
#[test]
fn a_search_gives_its_slot_back_while_it_waits_for_the_model() {
    use landscape::embed::Batched;
    use landscape::http::EngineSlots;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let batched = Batched::new(model());
    // Long texts, so that the wait lasts (hundreds of milliseconds on one thread per call).
    let texts: Vec<String> = (0..8)
        .map(|i| format!("passage {i} {}", "tokens of a long pasted text ".repeat(60)))
        .collect();
    let slots = Arc::new(EngineSlots::new(1, 4));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (done, saw_free) = (AtomicBool::new(false), AtomicBool::new(false));
    let slot = runtime.block_on(slots.enter()).unwrap();
    assert_eq!(slots.free(), 0, "the search holds the only slot");
    std::thread::scope(|s| {
        // Watches the slot from the moment the search holds it until its work ends.
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                if slots.free() == 1 {
                    saw_free.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        let held_after = std::thread::scope(|inner| {
            inner
                .spawn(|| {
                    slots.run(slot, runtime.handle().clone(), || {
                        let vectors = batched.embed(&texts, 8).unwrap();
                        assert_eq!(vectors.len(), texts.len());
                        slots.free() == 0
                    })
                })
                .join()
                .unwrap()
        });
        done.store(true, Ordering::SeqCst);
        assert!(held_after, "the slot is taken again once the model answers");
    });
    assert!(
        saw_free.load(Ordering::SeqCst),
        "the slot was free during the model's call"
    );
    assert_eq!(slots.free(), 1, "the slot is given back when the work ends");
}

/// A thread's model-wait hook lasts as long as its work, even when the work panics: a thread
/// of the blocking pool reused for other work must not keep it (nor the slot it holds).
#[test]
fn a_model_wait_hook_ends_with_its_work() {
    use landscape::embed::{with_model_wait, Batched, ModelWait};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    struct Count(Arc<AtomicUsize>, Arc<AtomicUsize>);
    impl ModelWait for Count {
        fn waiting(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn resumed(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }
    impl Drop for Count {
        fn drop(&mut self) {
            self.1.fetch_add(1000, Ordering::SeqCst);
        }
    }
    let batched = Batched::new(model());
    let (waits, resumes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let hook = || Box::new(Count(waits.clone(), resumes.clone()));
    let one = vec!["what is a transformer".to_string()];
    with_model_wait(hook(), || batched.embed(&one, 1).unwrap());
    assert_eq!(waits.load(Ordering::SeqCst), 1);
    assert_eq!(
        resumes.load(Ordering::SeqCst),
        1001,
        "told once, then dropped"
    );
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        with_model_wait(hook(), || panic!("work failed"))
    }));
    assert!(panicked.is_err());
    assert_eq!(resumes.load(Ordering::SeqCst), 2001, "dropped by the panic");
    batched.embed(&one, 1).unwrap();
    assert_eq!(
        waits.load(Ordering::SeqCst),
        1,
        "no hook left on the thread"
    );
}
