//! `page`: arbitrary bytes as page files, read under both profiles and validated as a corpus
//! the way `landscape check` does (load the folder, run the checks, list the features), then
//! rendered as the concept view serves them. Errors are fine; a panic is a bug.
//!
//! Input: one flag byte, then the page's bytes; with flag bit 1 the bytes are two pages
//! separated by the first NUL. Flag bit 0 makes the first page HTML, bit 2 the second, bit 3
//! names a Markdown page `.mdx`.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use landscape::corpus::check::{self, Spec};
use landscape::corpus::{markdown_body, Corpus, Profile, ReadOptions};
use libfuzzer_sys::fuzz_target;

/// One folder per process, emptied for every input (under `$TMPDIR`, which `scripts/fuzz`
/// points at a folder it removes).
fn work_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("landscape-fuzz-page")
            .tempdir()
            .expect("a temp folder")
    })
    .path()
}

/// The file name a page gets: under the concept profile the id must equal the file name, so a
/// Markdown page that states a slug id is named after it (else the strict checks stop at the
/// name and never reach the rest).
fn file_name(bytes: &[u8], html: bool, mdx: bool, n: usize) -> String {
    if html {
        return format!("page{n}.html");
    }
    let text = String::from_utf8_lossy(bytes);
    let stated = text
        .lines()
        .take(40)
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    let stem = stated.unwrap_or_else(|| format!("page{n}"));
    format!("{stem}.{}", if mdx { "mdx" } else { "md" })
}

fn spec() -> Spec {
    Spec {
        concepts: vec![(
            "page0".to_string(),
            "Page".to_string(),
            "test".to_string(),
        )],
        comparisons: vec![("page0".to_string(), "page1".to_string())],
    }
}

fn run(files: &[(String, &[u8])], profile: Profile) {
    let options = ReadOptions {
        base_url: Some("https://example.org/docs".to_string()),
    };
    for (name, bytes) in files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let file = Path::new(name);
        let _ = markdown_body(file, text);
        if let Err(problems) = Corpus::read_page(file, text, profile, &options) {
            assert!(!problems.is_empty(), "an error without problems");
            for p in problems {
                assert!(p.line >= 1, "problem at line 0: {p}");
            }
        }
    }
    let dir = work_dir().join("corpus");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the corpus folder");
    if profile == Profile::Concepts {
        std::fs::write(dir.join("landscape.toml"), "profile = \"concepts\"\n").expect("toml");
    }
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a sub-folder");
        }
        std::fs::write(path, bytes).expect("a page file");
    }
    match Corpus::load_with(&dir, &options) {
        Ok(corpus) => {
            let spec = spec();
            let report = check::check(&corpus, &dir, Some(&spec));
            let _ = report.passed();
            let _ = check::features(&corpus);
            let _ = check::missing(&corpus, &spec);
            for page in corpus.pages() {
                let graph = corpus.graph();
                let _ = graph.breadcrumbs(&page.id);
                let _ = landscape::web::render::concept_page(
                    &landscape::web::CONCEPT_HTML,
                    &corpus,
                    page,
                    Some(&dir),
                );
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (first, second) = match (flags & 2 != 0)
        .then(|| rest.iter().position(|&b| b == 0))
        .flatten()
    {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let mdx = flags & 8 != 0;
    let mut files = vec![(file_name(first, flags & 1 != 0, mdx, 0), first)];
    if let Some(second) = second {
        let mut name = file_name(second, flags & 4 != 0, mdx, 1);
        if name == files[0].0 {
            name = PathBuf::from("sub").join(&name).display().to_string();
        }
        files.push((name, second));
    }
    for profile in [Profile::Site, Profile::Concepts] {
        run(&files, profile);
    }
});
