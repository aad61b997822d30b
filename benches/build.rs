//! Index build time of the built-in corpus: cold (empty embedding cache) and warm (one page
//! edited, everything else cached).

use criterion::{BatchSize, Criterion};
use landscape::corpus::Corpus;
use landscape::store::Store;

#[path = "common.rs"]
mod common;

fn main() {
    let model = common::model();
    let source = common::builtin_corpus();
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    let mut group = c.benchmark_group("build");

    group.bench_function("cold (no embedding cache)", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let corpus = Corpus::load(&source).unwrap();
                common::build(&corpus, &Store::new(dir.path().join("index")), &model);
                dir
            },
            BatchSize::PerIteration,
        )
    });

    // Warm: a store whose cache holds the corpus; each run edits one page and rebuilds.
    let dir = tempfile::tempdir().unwrap();
    let corpus_dir = dir.path().join("corpus");
    copy_dir(&source, &corpus_dir);
    let store = Store::new(dir.path().join("index"));
    common::build(&Corpus::load(&corpus_dir).unwrap(), &store, &model);
    let page = corpus_dir.join("concepts").join("gpt-4.md");
    let original = std::fs::read_to_string(&page).unwrap();
    let mut edit = 0u64;
    group.bench_function("warm (one page edited)", |b| {
        b.iter(|| {
            edit += 1;
            std::fs::write(
                &page,
                original.replace("OpenAI", &format!("OpenAI (edit {edit})")),
            )
            .unwrap();
            let corpus = Corpus::load(&corpus_dir).unwrap();
            common::build(&corpus, &store, &model)
        })
    });
    group.finish();
    c.final_summary();
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
