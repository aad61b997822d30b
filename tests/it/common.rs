//! Shared fixtures: the real embedding model (loaded once) and small corpora written to temp dirs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use landscape::corpus::Corpus;
use landscape::embed::{LocalModel, ModelPaths};
use landscape::engine::{Engine, EngineConfig};
use landscape::indexer::{self, BuildOptions, BuildReport};
use landscape::store::Store;

/// The model from `scripts/setup-model`'s cache (or LANDSCAPE_MODEL_DIR / LANDSCAPE_ORT_LIB).
/// Tests fail, loudly, when it is missing: they never silently skip.
pub fn model() -> Arc<LocalModel> {
    static MODEL: OnceLock<Arc<LocalModel>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            Arc::new(
                LocalModel::load(&ModelPaths::from_env())
                    .unwrap_or_else(|e| panic!("tests need the real model: {e}")),
            )
        })
        .clone()
}

/// One page of a test corpus.
pub struct PageSpec<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub aliases: &'a [&'a str],
    pub parents: &'a [&'a str],
    pub simple: &'a str,
    pub deep: &'a str,
}

pub fn page_text(p: &PageSpec) -> String {
    let list = |xs: &[&str]| {
        xs.iter()
            .map(|x| format!("\"{x}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "---\nid: {}\ntitle: \"{}\"\naliases: [{}]\ngroup: test\nparents: [{}]\n---\n\n## Simple explanation\n\n{}\n\n## Technical deep dive\n\n{}\n",
        p.id,
        p.title,
        list(p.aliases),
        list(p.parents),
        p.simple,
        p.deep
    )
}

pub fn write_pages(dir: &Path, pages: &[PageSpec]) {
    std::fs::create_dir_all(dir).unwrap();
    for p in pages {
        std::fs::write(dir.join(format!("{}.md", p.id)), page_text(p)).unwrap();
    }
}

/// A small corpus about animals and vehicles: unrelated to the built-in one, so tests show
/// that any corpus works, and with clear right answers.
pub fn zoo() -> Vec<PageSpec<'static>> {
    vec![
        PageSpec {
            id: "living-thing",
            title: "Living Thing",
            aliases: &["organism"],
            parents: &[],
            simple: "A living thing grows, feeds and reproduces. Plants, animals and fungi are all living things.",
            deep: "Biologists define life by metabolism, growth, response to stimuli and reproduction. Cells are the unit of every organism.",
        },
        PageSpec {
            id: "animal",
            title: "Animal",
            aliases: &["fauna"],
            parents: &["living-thing"],
            simple: "An animal is a living thing that moves and eats other living things to get energy.",
            deep: "Animals are multicellular eukaryotes that are heterotrophic. Most have nervous systems and muscles.",
        },
        PageSpec {
            id: "cat",
            title: "Cat",
            aliases: &["house cat", "kitty"],
            parents: &["animal"],
            simple: "A cat is a small furry pet that purrs, hunts mice and sleeps for most of the day.",
            deep: "Felis catus was domesticated around the grain stores of early farmers. Its retractable claws and night vision suit an ambush hunter.",
        },
        PageSpec {
            id: "dog",
            title: "Dog",
            aliases: &["puppy", "hound"],
            parents: &["animal"],
            simple: "A dog is a loyal pet that barks, fetches sticks and loves long walks with its owner.",
            deep: "Canis familiaris descends from wolves and was the first domesticated species. Breeds differ widely in size and temperament.",
        },
        PageSpec {
            id: "bicycle",
            title: "Bicycle",
            aliases: &["bike"],
            parents: &[],
            simple: "A bicycle has two wheels and pedals; you push the pedals to ride it down the road.",
            deep: "A chain transfers force from the crank to the rear wheel. Gears change the ratio so that hills need less force per stroke.",
        },
    ]
}

/// The zoo in the concept format, with the `landscape.toml` that says so (its strict rules
/// then apply, as to the built-in corpus).
pub fn write_zoo(dir: &Path) {
    write_pages(dir, &zoo());
    std::fs::write(dir.join("landscape.toml"), "profile = \"concepts\"\n").unwrap();
}

/// A temp folder holding `corpus/` and `index/`.
pub struct Site {
    pub _tmp: tempfile::TempDir,
    pub corpus: PathBuf,
    pub index: PathBuf,
}

impl Site {
    pub fn new() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let corpus = tmp.path().join("corpus");
        let index = tmp.path().join("index");
        Site {
            _tmp: tmp,
            corpus,
            index,
        }
    }

    pub fn zoo() -> Site {
        let site = Site::new();
        write_zoo(&site.corpus);
        site
    }

    pub fn store(&self) -> Store {
        Store::new(&self.index)
    }

    pub fn build(&self) -> BuildReport {
        build_with(&self.corpus, &self.store(), &BuildOptions::default())
    }

    /// The `landscape` binary running `subcommand` on this site's corpus and index.
    pub fn command(&self, subcommand: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_landscape"));
        cmd.arg(subcommand)
            .arg("--corpus")
            .arg(&self.corpus)
            .arg("--index")
            .arg(&self.index);
        cmd
    }

    pub fn engine(&self) -> Engine {
        Engine::open(&self.store(), model(), EngineConfig::default()).unwrap()
    }
}

pub fn build_with(corpus: &Path, store: &Store, options: &BuildOptions) -> BuildReport {
    let corpus = Corpus::load(corpus).unwrap();
    let model = model();
    indexer::build(
        store,
        &corpus,
        model.as_ref(),
        model.token_counter(),
        options,
        &mut |_, _| {},
    )
    .unwrap()
}

/// Result ids of a search, best first.
pub fn ids(response: &landscape::engine::SearchResponse) -> Vec<&str> {
    response.results.iter().map(|r| r.id.as_str()).collect()
}

/// Sends one request through a router (axum's `oneshot`, no socket): its status and its JSON
/// body (`Null` when the body is not JSON).
pub async fn send_json(
    router: &axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (axum::http::StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}
