//! Sites as they are (issue 13): a Hugo content folder, a Docusaurus/MkDocs folder without
//! front matter, and a built HTML site, each indexed with the real model and searched. The
//! fixtures and the searches they support are described in tests/fixtures/sites/README.md.

use std::path::{Path, PathBuf};

use landscape::corpus::{Corpus, ReadOptions};
use landscape::engine::{Engine, EngineError, Mode, SearchResponse};
use landscape::indexer;
use landscape::request::{SearchParams, TextParams};
use landscape::store::Store;
use landscape::tuning::Tuning;

use crate::common::model;

const BASE: &str = "https://harbor.example.org";

struct Indexed {
    _tmp: tempfile::TempDir,
    corpus: Corpus,
    engine: Engine,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sites")
        .join(name)
}

/// The fixture `name` indexed with the site's base URL and the defaults a site gets.
fn indexed(name: &str) -> Indexed {
    let read = ReadOptions {
        base_url: Some(BASE.to_string()),
    };
    let corpus = Corpus::load_with(&fixture(name), &read).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(corpus.profile(), landscape::corpus::Profile::Site);
    let tmp = tempfile::tempdir().unwrap();
    let engine = engine_for(&corpus, tmp.path());
    Indexed {
        _tmp: tmp,
        corpus,
        engine,
    }
}

/// `corpus` indexed into `index` and opened, with the defaults its profile gets.
fn engine_for(corpus: &Corpus, index: &Path) -> Engine {
    let store = Store::new(index);
    let model = model();
    let tuning = Tuning::default();
    indexer::build(
        &store,
        corpus,
        model.as_ref(),
        model.token_counter(),
        &tuning.build_options(corpus.profile()),
        &mut |_, _| {},
    )
    .unwrap();
    Engine::open(&store, model, tuning.engine_config(corpus.profile())).unwrap()
}

fn search(engine: &Engine, pairs: &[(&str, &str)]) -> Result<SearchResponse, EngineError> {
    let mut p = TextParams::default();
    for &(name, value) in pairs {
        let value = Some(value.to_string());
        match name {
            "q" => p.q = value,
            "mode" => p.mode = value,
            "filter" => p.filter = value,
            _ => p.k = value,
        }
    }
    engine.search(
        &p.parse()
            .unwrap()
            .validate_with(engine.request_defaults())
            .unwrap(),
    )
}

/// Each query's best result is the expected page, its passage comes from the expected
/// section, and it links there on the live site.
fn expect_top(site: &Indexed, cases: &[(&str, &str, &str, &str)]) {
    let mut wrong = Vec::new();
    for &(query, page, anchor, url) in cases {
        let response = search(&site.engine, &[("q", query)]).unwrap();
        let top = &response.results[0];
        let got = (top.id.as_str(), top.anchor.as_str(), top.url.as_deref());
        if got != (page, anchor, Some(url)) {
            wrong.push(format!(
                "{query:?}: got {got:?}, want ({page}, {anchor}, {url})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Nothing in keyword mode matches any of `words`: they were in pages or parts of pages that
/// must not be indexed.
fn never_found(site: &Indexed, words: &[&str]) {
    for word in words {
        let response = search(&site.engine, &[("q", word), ("mode", "keyword")]).unwrap();
        assert!(
            response.results.is_empty(),
            "{word:?} found in {:?}",
            crate::common::ids(&response)
        );
    }
}

fn ids(corpus: &Corpus) -> Vec<&str> {
    let mut ids: Vec<&str> = corpus.pages().iter().map(|p| p.id.as_str()).collect();
    ids.sort();
    ids
}

#[test]
fn a_hugo_folder_is_searched_with_anchors_urls_and_tag_filters() {
    let site = indexed("hugo");
    assert_eq!(
        ids(&site.corpus),
        [
            "blog/harbor-2-released",
            "docs",
            "docs/configure",
            "docs/install",
            "docs/schedule",
            "index"
        ]
    );
    let skipped: Vec<_> = site
        .corpus
        .skipped()
        .iter()
        .map(|(f, why)| (f.to_string_lossy().into_owned(), why.clone()))
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].0.ends_with("upcoming-cloud-sync.md") && skipped[0].1.contains("draft"));
    let install = site.corpus.get("docs/install").unwrap();
    assert_eq!(install.title, "Installing Harbor");
    assert_eq!(install.metadata["date"], "2024-03-02T10:00:00Z");
    assert_eq!(
        install.metadata["tags"],
        serde_json::json!(["setup", "linux"])
    );
    let headings: Vec<(&str, u8)> = install
        .sections
        .iter()
        .map(|s| (s.anchor.as_str(), s.level))
        .collect();
    assert_eq!(
        headings,
        [
            ("", 0),
            ("requirements", 2),
            ("on-debian-and-ubuntu", 3),
            ("from-source", 3),
            ("verifying-the-installation", 2)
        ]
    );
    assert!(install.sections[2].code.contains("apt install harbor"));

    expect_top(
        &site,
        &[
            (
                "how many daily weekly and monthly snapshots survive pruning",
                "docs/configure",
                "retention",
                "https://harbor.example.org/docs/configure/#retention",
            ),
            (
                "which cipher encrypts my backups and can I turn it off",
                "docs/configure",
                "encryption",
                "https://harbor.example.org/docs/configure/#encryption",
            ),
            (
                "change the passphrase without re-encrypting everything",
                "docs/configure",
                "rotating-the-passphrase",
                "https://harbor.example.org/docs/configure/#rotating-the-passphrase",
            ),
            (
                "crontab line for nightly backups inside a container",
                "docs/schedule",
                "using-cron-instead",
                "https://harbor.example.org/docs/schedule/#using-cron-instead",
            ),
            (
                "rolling hash chunk boundaries make repositories smaller",
                "blog/harbor-2-released",
                "content-defined-chunking",
                "https://harbor.example.org/news/harbor-2/#content-defined-chunking",
            ),
            (
                "check that the binary is on my PATH and print its version",
                "docs/install",
                "verifying-the-installation",
                "https://harbor.example.org/docs/install/#verifying-the-installation",
            ),
        ],
    );
    // Code blocks are found by keyword (the passage is the section's prose).
    let code = search(
        &site.engine,
        &[("q", "cargo install harbor-cli"), ("mode", "keyword")],
    )
    .unwrap();
    assert_eq!(code.results[0].id, "docs/install");

    // Tags filter, in both forms; a page passes when one of its tags is asked for.
    let linux = search(&site.engine, &[("q", "backups"), ("filter", "tags:linux")]).unwrap();
    let mut found = crate::common::ids(&linux);
    found.sort();
    assert_eq!(found, ["docs/install", "docs/schedule"]);
    let body: SearchParams = serde_json::from_value(serde_json::json!({
        "q": "passphrase", "filter": {"tags": ["config"], "lang": "en"}
    }))
    .unwrap();
    let config = site.engine.search(&body.validate().unwrap()).unwrap();
    assert_eq!(crate::common::ids(&config), ["docs/configure"]);
    let none = search(
        &site.engine,
        &[("q", "backups"), ("filter", "tags:nothing-has-this")],
    )
    .unwrap();
    assert!(none.results.is_empty());
    let err = search(&site.engine, &[("q", "backups"), ("filter", "tag:linux")]).unwrap_err();
    assert!(
        err.to_string().contains("`tag`") && err.to_string().contains("tags"),
        "{err}"
    );
    assert_eq!(
        config.results[0].metadata["categories"],
        serde_json::json!(["guides"])
    );

    // Each result lists the sections that matched, best first, the passage's first.
    let passphrase = search(&site.engine, &[("q", "passphrase")]).unwrap();
    let top = &passphrase.results[0];
    assert_eq!(top.id, "docs/configure");
    let anchors: Vec<&str> = top.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(anchors[0], top.anchor);
    assert!(
        anchors.contains(&"encryption") && anchors.contains(&"rotating-the-passphrase"),
        "{anchors:?}"
    );
    assert!(top.sections.len() <= landscape::engine::MAX_SECTIONS);
    // Sections matched by meaning alone may have no word to mark; the best one has.
    assert!(top.sections[0].passage_html.contains("<mark>"));

    never_found(&site, &["skylark"]);
    // Ordinary site pages are searched, never given a verdict.
    let asked = search(&site.engine, &[("q", "is harbor a backup tool?")]).unwrap();
    assert!(asked.answer.is_none());
}

#[test]
fn a_folder_without_front_matter_takes_titles_from_headings_and_names() {
    let site = indexed("docs");
    assert_eq!(
        ids(&site.corpus),
        [
            "getting-started",
            "guides/remote-storage",
            "guides/troubleshooting",
            "index",
            "notes"
        ]
    );
    let title = |id: &str| site.corpus.get(id).unwrap().title.clone();
    assert_eq!(title("index"), "Harbor handbook");
    assert_eq!(title("guides/troubleshooting"), "Troubleshooting");
    assert_eq!(title("notes"), "Notes");
    expect_top(
        &site,
        &[
            (
                "restore a single document into an empty directory without overwriting anything",
                "getting-started",
                "restoring-files",
                "https://harbor.example.org/getting-started/#restoring-files",
            ),
            (
                "back up to MinIO with an access key and a custom endpoint",
                "guides/remote-storage",
                "s3-compatible-buckets",
                "https://harbor.example.org/guides/remote-storage/#s3-compatible-buckets",
            ),
            (
                "repository says it is locked after the server crashed",
                "guides/troubleshooting",
                "lock-file-left-behind",
                "https://harbor.example.org/guides/troubleshooting/#lock-file-left-behind",
            ),
            (
                "throttle bandwidth so video calls do not stutter",
                "guides/troubleshooting",
                "slow-uploads",
                "https://harbor.example.org/guides/troubleshooting/#slow-uploads",
            ),
            (
                "how are breaking changes announced in the changelog",
                "notes",
                "",
                "https://harbor.example.org/notes/",
            ),
        ],
    );
}

#[test]
fn a_built_html_site_is_read_like_pagefind_reads_it() {
    let site = indexed("html");
    assert_eq!(
        ids(&site.corpus),
        [
            "docs/encryption",
            "docs/faq",
            "docs/install",
            "docs/retention",
            "index"
        ]
    );
    let mut skipped: Vec<String> = site
        .corpus
        .skipped()
        .iter()
        .map(|(f, why)| format!("{}: {why}", f.display()))
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    for (file, why) in [
        ("docs/encryption/amp.html", "canonical"),
        ("drafts/hidden.html", "data-landscape-ignore"),
        ("old/install.html", "redirect"),
        ("print.html", "noindex"),
    ] {
        assert!(
            skipped
                .iter()
                .any(|s| s.starts_with(file) && s.contains(why)),
            "{file}: {skipped:?}"
        );
    }
    let install = site.corpus.get("docs/install").unwrap();
    assert_eq!(install.title, "Installing Harbor");
    assert!(install.metadata.contains_key("description"));
    expect_top(
        &site,
        &[
            (
                "is there a package for Ubuntu 22.04",
                "docs/install",
                "debian",
                "https://harbor.example.org/docs/install/#debian",
            ),
            (
                "argon2 memory cost, passes and salt",
                "docs/encryption",
                "argon2",
                "https://harbor.example.org/docs/encryption/#argon2",
            ),
            (
                "free disk space by deleting chunks of forgotten snapshots",
                "docs/retention",
                "pruning",
                "https://harbor.example.org/docs/retention.html#pruning",
            ),
            (
                "is there a backdoor or reset email if I forgot my passphrase",
                "docs/faq",
                "lost-passphrase",
                "https://harbor.example.org/docs/faq.html#lost-passphrase",
            ),
            (
                "move my backups to a replacement computer",
                "docs/faq",
                "new-machine",
                "https://harbor.example.org/docs/faq.html#new-machine",
            ),
        ],
    );
    never_found(
        &site,
        &[
            "zephyrine",
            "quokkaroute",
            "printonlyword",
            "nebulafox",
            "canonicaldup",
            "privacy imprint",
            "contributors",
            "billed regions gigabyte",
            "helpful feedback",
        ],
    );
    // `<html lang>` is metadata, and filters like any field.
    let en = search(&site.engine, &[("q", "passphrase"), ("filter", "lang:en")]).unwrap();
    assert!(!en.results.is_empty());
    let fr = search(&site.engine, &[("q", "passphrase"), ("filter", "lang:fr")]).unwrap();
    assert!(fr.results.is_empty());
    // Without a base URL, results link to the site's own paths.
    let plain = Corpus::load(&fixture("html")).unwrap();
    assert_eq!(
        plain.get("docs/retention").unwrap().url.as_deref(),
        Some("/docs/retention.html")
    );
    let _ = Mode::Keyword;
}

#[test]
fn a_site_in_another_language_runs_keyword_only_with_its_stemmer() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, index) = (tmp.path().join("site"), tmp.path().join("index"));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("chevaux.md"),
        "# Le cheval\n\nLe cheval est un grand mammifère domestique qui galope dans les prés.\n",
    )
    .unwrap();
    std::fs::write(
        site.join("bateaux.md"),
        "# Le bateau\n\nUn bateau flotte sur l'eau et navigue grâce au vent ou à un moteur.\n",
    )
    .unwrap();
    let landscape = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_landscape"))
            .args(args)
            .arg("--site")
            .arg(&site)
            .arg("--index")
            .arg(&index)
            .args(["--language", "french", "--keyword-only"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    landscape(&["index"]);
    // The plural finds the singular through the French stemmer, and the default (hybrid)
    // request is served as keyword search, as the response says.
    let json: serde_json::Value =
        serde_json::from_str(&landscape(&["search", "--json", "chevaux"])).unwrap();
    assert_eq!(json["mode"], "keyword");
    assert_eq!(json["results"][0]["id"], "chevaux");
    assert_eq!(json["results"].as_array().unwrap().len(), 1);
    let store = Store::new(&index);
    let manifest = store.current_manifest().unwrap().unwrap();
    assert!(!manifest.semantic);
    assert!(
        !manifest.files.keys().any(|f| f.contains("hnsw")),
        "{:?}",
        manifest.files.keys()
    );
}

/// Over HTTP: page ids with slashes, filters in the query string, and a filter on a field no
/// page has answered with a 400 that lists the fields there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_api_serves_site_pages_and_filters() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    let site = indexed("hugo");
    let router = landscape::http::router(std::sync::Arc::new(site.engine));
    let get = |uri: &str| {
        let router = router.clone();
        let request = Request::get(uri).body(Body::empty()).unwrap();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            )
        }
    };
    let (status, page) = get("/concepts/docs/install").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["url"], "https://harbor.example.org/docs/install/");
    assert_eq!(
        page["metadata"]["tags"],
        serde_json::json!(["setup", "linux"])
    );
    let (status, found) = get("/search?q=timer&filter=tags:automation").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["results"].as_array().unwrap().len(), 1);
    assert_eq!(found["results"][0]["id"], "docs/schedule");
    // A site's default fusion leans towards keywords (tuning::KindDefaults).
    assert_eq!(found["fusion"]["semantic_ratio"], 0.4, "{found}");
    let (status, err) = get("/search?q=timer&filter=tag:automation").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "unknown_filter_field");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("tags"),
        "{err}"
    );
    let (_, health) = get("/healthz").await;
    assert_eq!(health["filters"]["tags"], 4);
    assert_eq!(health["semantic"], true);
}

/// `landscape check` on a site: what it enables, what was skipped and why, and concept-layer
/// advice as warnings that do not fail the check.
#[test]
fn check_reports_what_a_site_enables_and_only_warns_about_the_concept_layer() {
    let check = |dir: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_landscape"))
            .arg("check")
            .arg("--site")
            .arg(dir)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap())
    };
    let (ok, hugo) = check(&fixture("hugo"));
    assert!(ok, "{hugo}");
    assert!(hugo.contains("profile: site"), "{hugo}");
    assert!(hugo.contains("6 pages indexed, 1 skipped"), "{hugo}");
    assert!(hugo.contains("upcoming-cloud-sync.md: a draft"), "{hugo}");
    assert!(hugo.contains("answers: off"), "{hugo}");
    assert!(hugo.contains("tags (4 pages)"), "{hugo}");
    let (ok, html) = check(&fixture("html"));
    assert!(ok, "{html}");
    assert!(html.contains("print.html: robots `noindex`"), "{html}");

    // A site page with a parent its text never names: advice, not an error.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("backup.md"),
        "# Backups\n\nCopies of data.\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("snapshot.md"),
        "---\nparents: [backup]\n---\n# Snapshot\n\nA frozen view of a disk.\n",
    )
    .unwrap();
    let (ok, mixed) = check(tmp.path());
    assert!(ok, "{mixed}");
    assert!(
        mixed.contains("snapshot.md:2: warning: the text never names the parent `backup`"),
        "{mixed}"
    );
    // The parent joins the concept layer: it is named by a page of it.
    assert!(mixed.contains("answers: on for 2 pages"), "{mixed}");
    // A link to a page that does not exist is an error, in any profile.
    std::fs::write(
        tmp.path().join("bad.md"),
        "---\nrelations:\n  uses: [nowhere]\n---\nText.\n",
    )
    .unwrap();
    let (ok, broken) = check(tmp.path());
    assert!(!ok);
    assert!(
        broken.contains("bad.md:3:") && broken.contains("nowhere"),
        "{broken}"
    );
}

/// The concept layer on a site: pages with `parents` get verdicts and ancestry, pages without
/// concept fields are only searched.
#[test]
fn concept_fields_on_a_site_give_answers_where_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    std::fs::create_dir_all(dir.join("guides")).unwrap();
    std::fs::write(
        dir.join("backup.md"),
        "---\ntitle: Backup\n---\nA backup is a copy of data kept so that it can be restored after a loss.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("snapshot.md"),
        "---\ntitle: Snapshot\nparents: [backup]\naliases: [point-in-time copy]\n---\nA snapshot is a backup that records the state of a disk at one moment.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("guides/restore.md"),
        "# Restoring files\n\nTo restore files, pick a snapshot and copy its files back to the disk.\n",
    )
    .unwrap();
    let corpus = Corpus::load(&dir).unwrap();
    assert!(corpus.get("snapshot").unwrap().concept);
    assert!(!corpus.get("guides/restore").unwrap().concept);
    let engine = engine_for(&corpus, &tmp.path().join("index"));
    let yes = search(&engine, &[("q", "is a snapshot a backup?")]).unwrap();
    let answer = yes.answer.expect("a verdict for pages with parents");
    assert_eq!(
        serde_json::to_value(&answer).unwrap()["verdict"],
        "yes",
        "{answer:?}"
    );
    let snapshot = yes.results.iter().find(|r| r.id == "snapshot").unwrap();
    assert_eq!(snapshot.ancestry, ["backup"]);
    // "Restoring files" has no concept fields: searched, never the subject of a verdict.
    let restore = search(&engine, &[("q", "is restoring files a backup?")]).unwrap();
    assert_eq!(restore.results[0].id, "guides/restore");
    let verdict = restore
        .answer
        .map(|a| serde_json::to_value(&a).unwrap()["verdict"].clone());
    assert!(
        verdict.as_ref().is_none_or(|v| v != "yes" && v != "no"),
        "{verdict:?}"
    );
}

/// Mangled pages (cut anywhere, bytes replaced, fences and markup inserted) are read or refused
/// with located problems: never a panic, never a problem outside the file.
#[test]
fn mangled_pages_are_read_or_refused_never_a_panic() {
    use landscape::corpus::{Profile, ReadOptions};
    use rand::{Rng, SeedableRng};

    let mut files = Vec::new();
    for name in ["hugo", "docs", "html"] {
        for entry in walk(&fixture(name)) {
            let text = std::fs::read_to_string(&entry).unwrap();
            let name = entry.strip_prefix(fixture_root()).unwrap().to_path_buf();
            files.push((name, text));
        }
    }
    let inserts = [
        "---\n",
        "+++\n",
        "\n# ",
        "\n### x {#",
        "<main>",
        "</article>",
        "{{< x",
        "{% y %}",
        "```",
        "<h2 id=\"",
        "\u{feff}",
        "\n- [ ] ",
        "|a|\n|-|\n",
        "[^1]",
        "\0",
        "é",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let options = ReadOptions::default();
    for round in 0..3000 {
        let (name, text) = &files[round % files.len()];
        let mut bytes = text.clone().into_bytes();
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..=bytes.len());
            match rng.random_range(0..3) {
                0 => bytes.truncate(at),
                1 if at < bytes.len() => bytes[at] = rng.random(),
                _ => {
                    let insert = inserts[rng.random_range(0..inserts.len())].as_bytes();
                    bytes.splice(at..at, insert.iter().copied());
                }
            }
        }
        let mangled = String::from_utf8_lossy(&bytes).into_owned();
        let lines = mangled.lines().count().max(1);
        for profile in [Profile::Site, Profile::Concepts] {
            if let Err(problems) = Corpus::read_page(name, &mangled, profile, &options) {
                assert!(!problems.is_empty());
                for p in problems {
                    assert!(p.line >= 1 && p.line <= lines + 1, "{p} in {lines} lines");
                    assert_eq!(p.file, *name);
                }
            }
        }
    }
}

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sites")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
