//! `search`: arbitrary query text and parameters, in every mode, through the real engine over
//! a small index built once per process with the real model (as the test suite builds its
//! indexes: `LocalModel::load` from `scripts/setup-model`'s cache or `LANDSCAPE_MODEL_DIR` /
//! `LANDSCAPE_ORT_LIB`). A search either answers, with results inside the limits asked, or
//! is refused with a code the API documents; a panic or a failure of ours (a 500) is a bug.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use landscape::corpus::Corpus;
use landscape::embed::{LocalModel, ModelPaths};
use landscape::engine::{Engine, EngineConfig};
use landscape::filter::{FilterParam, OneOrMany};
use landscape::http::openapi::ERROR_CODES;
use landscape::indexer::{self, BuildOptions};
use landscape::request::SearchParams;
use landscape::store::Store;
use libfuzzer_sys::fuzz_target;

/// A small site: concept fields (parents, aliases, relations, a comparison), metadata to
/// filter on, headings with anchors, code, and a page without front matter.
const PAGES: &[(&str, &str)] = &[
    (
        "animal.md",
        "---\ntitle: Animal\naliases: [fauna]\ntags: [biology, pets]\nlang: en\n---\n\n# Animal\n\nAn animal is a living thing that moves and eats other living things to get energy.\n\n## Diet\n\nSome animals eat plants, some eat meat, and some eat both.\n",
    ),
    (
        "cat.md",
        "---\ntitle: Cat\naliases: [kitty, house cat]\nparents: [animal]\nrelations:\n  uses: [claw]\ntags: [pets]\n---\n\nA cat is a small furry animal that purrs, hunts mice and sleeps most of the day.\n\n## Hunting {#hunt}\n\nIts retractable claws and night vision suit an ambush hunter.\n",
    ),
    (
        "dog.md",
        "---\ntitle: Dog\naliases: [puppy, hound]\nparents: [animal]\ntags: [pets, biology]\n---\n\nA dog is a loyal animal that barks, fetches sticks and loves long walks.\n",
    ),
    (
        "claw.md",
        "---\ntitle: Claw\nparents: []\nrelations:\n  part-of: [cat]\n---\n\nA claw is a curved nail at the end of a toe.\n",
    ),
    (
        "cat-vs-dog.md",
        "---\ntitle: Cat vs Dog\nkind: comparison\ncompares: [cat, dog]\n---\n\n## How they relate\n\nA cat and a dog are both animals kept as pets.\n\n## How they differ\n\nA dog needs walks; a cat does not.\n",
    ),
    (
        "docs/install.md",
        "# Installing the bicycle rack\n\nFix the rack to the wall with four screws.\n\n```sh\nrack install --wall\n```\n\n### Requirements\n\nA drill and a spirit level.\n",
    ),
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| {
            let tmp = tempfile::Builder::new()
                .prefix("landscape-fuzz-search")
                .tempdir()
                .expect("a temp folder");
            let corpus_dir = tmp.path().join("corpus");
            for (name, text) in PAGES {
                let path = corpus_dir.join(name);
                std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("dir");
                std::fs::write(path, text).expect("a page");
            }
            let corpus = Corpus::load(&corpus_dir).expect("the fuzz corpus loads");
            let model = Arc::new(
                LocalModel::load(&ModelPaths::from_env())
                    .expect("the model (run scripts/setup-model)"),
            );
            let store = Store::new(tmp.path().join("index"));
            indexer::build(
                &store,
                &corpus,
                model.as_ref(),
                model.token_counter(),
                &BuildOptions::default(),
                &mut |_, _| {},
            )
            .expect("the fuzz index builds");
            let engine =
                Engine::open(&store, model, EngineConfig::default()).expect("the index opens");
            (tmp, engine)
        })
        .1
}

/// The fields of a search besides its text, drawn mostly from their valid values so that most
/// inputs get past validation.
#[derive(Arbitrary, Debug, Default)]
struct Input {
    mode: u8,
    k: Option<u8>,
    offset: Option<u16>,
    fusion: u8,
    ratio: Option<u8>,
    rrf_k: Option<u16>,
    explain: Option<bool>,
    filter: Option<Filter>,
    kind: Option<u8>,
    under: Option<Under>,
    typos: Option<bool>,
    prefix: Option<bool>,
}

#[derive(Arbitrary, Debug)]
enum Filter {
    Text(String),
    Fields(Vec<(String, Vec<String>)>),
}

#[derive(Arbitrary, Debug)]
enum Under {
    Page(u8),
    Text(String),
}

const IDS: &[&str] = &["animal", "cat", "dog", "claw", "cat-vs-dog", "docs/install"];

fn params(q: String, input: Input) -> SearchParams {
    let pick = |names: &[&str], i: u8| names[usize::from(i) % names.len()].to_string();
    SearchParams {
        q: Some(q),
        k: input.k.map(i64::from),
        offset: input.offset.map(|o| i64::from(o % 1100)),
        mode: Some(pick(&["keyword", "semantic", "hybrid"], input.mode)),
        fusion: (input.fusion % 4 != 0).then(|| pick(&["weighted", "rrf", "dbsf"], input.fusion)),
        ratio: input.ratio.map(|r| f64::from(r) / 255.0),
        rrf_k: input.rrf_k.map(f64::from),
        explain: input.explain,
        filter: input.filter.map(|f| match f {
            Filter::Text(t) => FilterParam::Text(t),
            Filter::Fields(fields) => FilterParam::Fields(
                fields
                    .into_iter()
                    .map(|(name, mut values)| {
                        let value = match values.len() {
                            1 => OneOrMany::One(values.remove(0)),
                            _ => OneOrMany::Many(values),
                        };
                        (name, value)
                    })
                    .collect::<BTreeMap<_, _>>(),
            ),
        }),
        kind: input.kind.map(|k| pick(&["concept", "comparison"], k)),
        under: input.under.map(|u| match u {
            Under::Page(i) => pick(IDS, i),
            Under::Text(t) => t,
        }),
        typos: input.typos,
        prefix: input.prefix,
    }
}

/// Input: the query text up to the first NUL (so that real questions seed the corpus), then
/// the other fields as [`Input`] (none: a keyword search with the defaults).
fuzz_target!(|data: &[u8]| {
    let (text, rest) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let q = String::from_utf8_lossy(text).into_owned();
    let input = Input::arbitrary(&mut Unstructured::new(rest)).unwrap_or_default();
    let engine = engine();
    let Ok(request) = params(q, input).validate_with(engine.request_defaults()) else {
        return;
    };
    match engine.search(&request) {
        Ok(response) => {
            assert!(response.results.len() <= request.k());
            for result in &response.results {
                assert!(engine.page(&result.id).is_some(), "unknown page {}", result.id);
                assert!(result.score.is_finite(), "score {}", result.score);
                for h in &result.highlights {
                    assert!(
                        result.passage.get(h.clone()).is_some(),
                        "highlight {h:?} outside {:?}",
                        result.passage
                    );
                }
            }
            serde_json::to_string(&response).expect("the response serialises");
        }
        Err(e) => {
            let code = e
                .caller_code()
                .unwrap_or_else(|| panic!("a failure of ours (a 500): {e}"));
            assert!(ERROR_CODES.iter().any(|(c, _, _)| *c == code), "{code}");
        }
    }
    if let Err(e) = engine.answer(request.query(), request.explain()) {
        panic!("the answer failed (a 500): {e}");
    }
});
