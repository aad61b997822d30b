//! A broken corpus is reported with file and line, and nothing is indexed from it.

use landscape::corpus::{Corpus, CorpusError};

use crate::common::Site;

#[test]
fn every_problem_is_reported_with_file_and_line() {
    let site = Site::zoo();
    // An unknown parent, a YAML error and a missing section, in three files.
    let cat = site.corpus.join("cat.md");
    let text = std::fs::read_to_string(&cat).unwrap();
    std::fs::write(
        &cat,
        text.replace(
            "parents: [\"animal\"]",
            "parents: [\"animal\", \"unicorn\"]",
        ),
    )
    .unwrap();
    std::fs::write(
        site.corpus.join("broken.md"),
        "---\nid: broken\ntitle: [oops\n---\n## Simple explanation\nx\n",
    )
    .unwrap();
    let dog = site.corpus.join("dog.md");
    let text = std::fs::read_to_string(&dog).unwrap();
    std::fs::write(&dog, text.replace("## Technical deep dive", "## Deeper")).unwrap();

    let err = Corpus::load(&site.corpus).unwrap_err();
    let CorpusError::Invalid(problems) = &err else {
        panic!("{err}")
    };
    let text = err.to_string();
    assert_eq!(problems.len(), 3, "{text}");
    assert!(
        text.contains("cat.md:6: `parents` names unknown id `unicorn`"),
        "{text}"
    );
    assert!(text.contains("broken.md:3: front matter"), "{text}");
    assert!(
        text.contains("dog.md:") && text.contains("missing section `## Technical deep dive`"),
        "{text}"
    );
}

#[test]
fn a_broken_corpus_leaves_the_live_index_alone() {
    let site = Site::zoo();
    let first = site.build();
    std::fs::write(site.corpus.join("bad.md"), "no front matter\n").unwrap();
    let out = site.command("index").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "indexing a broken corpus must fail");
    assert!(
        stderr.contains("bad.md:1: missing front matter"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was indexed"), "{stderr}");
    assert_eq!(
        site.store().current_name().unwrap().as_deref(),
        Some(first.manifest.generation.as_str())
    );
    assert_eq!(site.engine().generation(), first.manifest.generation);
}
