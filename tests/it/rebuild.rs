//! A rebuild killed midway leaves the previous generation serving.

use std::process::Stdio;
use std::time::{Duration, Instant};

use landscape::engine::SearchRequest;

use crate::common::{ids, write_pages, PageSpec, Site};

#[test]
fn a_killed_rebuild_leaves_the_previous_generation_answering() {
    let site = Site::zoo();
    let first = site.build();
    let before = site.engine();

    // Enough new text that embedding takes a few seconds: the window to kill the build in.
    let bodies: Vec<String> = (0..40)
        .map(|i| {
            (0..12)
                .map(|j| format!("Vehicle model {i} variant {j} has its own engine, wheels, brakes and a service history of {j} visits."))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let ids_: Vec<String> = (0..40).map(|i| format!("vehicle-{i}")).collect();
    let titles: Vec<String> = (0..40).map(|i| format!("Vehicle {i}")).collect();
    let pages: Vec<PageSpec> = (0..40)
        .map(|i| PageSpec {
            id: &ids_[i],
            title: &titles[i],
            aliases: &[],
            parents: &[],
            simple: &bodies[i],
            deep: &bodies[i],
        })
        .collect();
    write_pages(&site.corpus, &pages);

    let mut child = site
        .command("index")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the new generation's keyword index exists (embedding comes after it).
    let started = Instant::now();
    let keyword_dir = site.index.join("gen-000002").join("keyword");
    while !keyword_dir.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the build never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // ... and until at least one batch of new vectors reached the embedding cache.
    let cache_size = || -> u64 {
        std::fs::read_dir(site.index.join("embeddings"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum()
    };
    let initial = cache_size();
    while cache_size() == initial {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build finished before it could be killed"
    );
    child.kill().unwrap(); // SIGKILL: no clean-up runs
    child.wait().unwrap();

    // The pointer did not move, the old engine still answers, and a fresh open serves gen 1.
    assert_eq!(
        site.store().current_name().unwrap().as_deref(),
        Some(first.manifest.generation.as_str())
    );
    let r = before
        .search(&SearchRequest::new("a pet that purrs").unwrap())
        .unwrap();
    assert_eq!(ids(&r)[0], "cat");
    let reopened = site.engine();
    assert_eq!(reopened.generation(), first.manifest.generation);
    let r = reopened
        .search(&SearchRequest::new("vehicle variant service history").unwrap())
        .unwrap();
    assert!(
        !ids(&r).iter().any(|id| id.starts_with("vehicle-")),
        "half-built content must not be served"
    );

    // The next build sweeps the debris, reuses what the killed one embedded, and goes live.
    let second = site.build();
    assert!(
        second.cached > 10,
        "vectors embedded before the kill are reused: {}",
        second.cached
    );
    let after = site.engine();
    assert_eq!(after.generation(), second.manifest.generation);
    let r = after
        .search(&SearchRequest::new("Vehicle 7 variant service history").unwrap())
        .unwrap();
    assert!(ids(&r).iter().any(|id| id.starts_with("vehicle-")));
}
