//! What the command line prints: search results, answers and corpus checks, for a terminal
//! (colour only when stdout is one).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use landscape::answer::Answer;
use landscape::corpus::check::Features;
use landscape::corpus::{Corpus, Profile, ReadOptions};
use landscape::engine::{Engine, SearchResponse};

/// What the corpus enables, for a site owner deciding what to add.
fn print_features(corpus: &Corpus, f: &Features) {
    let profile = match f.profile {
        Profile::Concepts => "concepts (landscape.toml): the concept format and its house rules",
        Profile::Site | Profile::Documents => {
            "site: pages as they are; the concept fields are optional"
        }
    };
    println!("profile: {profile}");
    println!(
        "{} pages indexed, {} skipped; {} link to the live site",
        f.pages, f.skipped, f.with_url
    );
    for (file, why) in corpus.skipped() {
        println!("  skipped {}: {why}", file.display());
    }
    if f.answers() {
        println!(
            "answers: on for {} pages in the concept layer ({} with parents, {} with relations, {} with aliases, {} comparisons)",
            f.concept_pages, f.with_parents, f.with_relations, f.with_aliases, f.comparisons
        );
    } else {
        println!(
            "answers: off (no page has concept fields: add `parents`, `relations`, `aliases` or `compares` to front matter to get verdicts and ancestry)"
        );
    }
    if f.filters.is_empty() {
        println!("filters: none (front matter fields such as `tags` become filters)");
    } else {
        let fields: Vec<String> = f
            .filters
            .iter()
            .map(|(field, n)| format!("{field} ({n} pages)"))
            .collect();
        println!("filters: {}", fields.join(", "));
    }
}

pub fn check(dir: &Path, read: &ReadOptions, spec: Option<PathBuf>, no_spec: bool) -> Result<()> {
    use landscape::corpus::check::{self, Spec};
    let corpus = match Corpus::load_with(dir, read) {
        Ok(c) => c,
        Err(e) => {
            println!("{e}");
            bail!("the corpus does not load");
        }
    };
    // The spec lists are the built-in corpus's: only the concept format is held to them.
    let strict = corpus.profile() == Profile::Concepts;
    let spec_dir = spec.or_else(|| {
        let default = PathBuf::from("../shared/spec");
        if no_spec || !strict {
            return None;
        }
        default.join("concepts.tsv").exists().then_some(default)
    });
    let spec = match &spec_dir {
        Some(d) => {
            Some(Spec::load(d).with_context(|| format!("cannot read spec in {}", d.display()))?)
        }
        None => None,
    };
    let report = check::check(&corpus, dir, spec.as_ref());
    for p in &report.problems {
        println!("{}:{}: {}", dir.join(&p.file).display(), p.line, p.message);
    }
    for p in &report.warnings {
        println!(
            "{}:{}: warning: {}",
            dir.join(&p.file).display(),
            p.line,
            p.message
        );
    }
    print_features(&corpus, &report.features);
    let concepts = corpus
        .pages()
        .iter()
        .filter(|p| p.concept && p.kind == landscape::corpus::PageKind::Concept)
        .count();
    if report.features.answers() {
        let roots: Vec<&str> = report.roots.iter().map(|(id, _)| id.as_str()).collect();
        println!(
            "concept layer: {concepts} concepts, {} comparisons{}",
            report.features.comparisons,
            if roots.is_empty() {
                String::new()
            } else {
                format!("; roots: {}", roots.join(", "))
            }
        );
    }
    if !strict {
        if !report.problems.is_empty() {
            bail!("{} problem(s)", report.problems.len());
        }
        println!("ok");
        return Ok(());
    }
    print_coverage(&corpus, &report, spec.as_ref());
    if !report.passed() {
        let incomplete = report.coverage.as_ref().is_some_and(|c| !c.complete());
        bail!(
            "{} problem(s){}",
            report.problems.len(),
            if incomplete {
                "; spec coverage is incomplete"
            } else {
                ""
            }
        );
    }
    println!("ok");
    Ok(())
}

/// The spec lists' coverage and what is missing from it.
fn print_coverage(
    corpus: &Corpus,
    report: &landscape::corpus::check::Report,
    spec: Option<&landscape::corpus::check::Spec>,
) {
    match (&report.coverage, spec) {
        (Some(coverage), Some(spec)) => {
            println!("{coverage}");
            let (concepts, comparisons) = landscape::corpus::check::missing(corpus, spec);
            if !concepts.is_empty() {
                println!("missing concepts: {}", concepts.join(", "));
            }
            if !comparisons.is_empty() {
                println!("missing comparisons: {}", comparisons.join(", "));
            }
        }
        _ => println!("coverage: no spec (pass --spec DIR)"),
    }
}

pub fn print_results(engine: &Engine, response: &SearchResponse) {
    use std::io::IsTerminal;
    let colour = std::io::stdout().is_terminal();
    let (bold, mark, reset) = if colour {
        ("\x1b[1m", "\x1b[33;1m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    if let Some(answer) = &response.answer {
        print_answer(answer, bold, mark, reset);
    }
    println!(
        "{} result(s) for \"{}\" ({:?}, {:.1} ms)\n",
        response.results.len(),
        response.query,
        response.mode,
        response.took_ms
    );
    for (i, r) in response.results.iter().enumerate() {
        let ancestry: Vec<&str> = r
            .ancestry
            .iter()
            .filter_map(|id| engine.page(id).map(|p| p.title.as_str()))
            .collect();
        println!("{:>2}. {bold}{}{reset}  [{}]", i + 1, r.title, r.id);
        if !ancestry.is_empty() {
            println!("    {}", ancestry.join(" › "));
        }
        println!(
            "    {}: {}",
            r.section,
            terminal_highlight(&r.passage, &r.highlights, mark, reset)
        );
        if let Some(e) = &r.explain {
            let leg = |l: Option<landscape::fusion::LegRank>| {
                l.map(|l| format!("#{} ({:.3})", l.rank, l.score))
                    .unwrap_or_else(|| "-".into())
            };
            println!(
                "    keyword {}  semantic {}  fused {:.4}",
                leg(e.keyword),
                leg(e.semantic),
                e.fused
            );
        }
        println!();
    }
}

/// The answer block above the results: the verdict or statement, the path, the cited passages
/// and, with `--explain`, how each name was resolved.
fn print_answer(answer: &Answer, bold: &str, mark: &str, reset: &str) {
    println!("{bold}Answer{reset}: {}", answer.text);
    if !answer.path.is_empty() {
        let mut chain = answer.path[0].from.title.clone();
        for step in &answer.path {
            chain.push_str(&format!(
                " —{}→ {}",
                serde_plain(&step.relation),
                step.to.title
            ));
        }
        println!("  path: {chain}");
    }
    for ancestry in &answer.ancestries {
        let titles: Vec<&str> = ancestry.iter().map(|c| c.title.as_str()).collect();
        println!("  ancestry: {}", titles.join(" › "));
    }
    if let Some(page) = &answer.page {
        println!("  page: {page}");
    }
    for c in &answer.citations {
        println!(
            "  “{}” ({}, {})",
            terminal_highlight(&c.passage, &c.highlights, mark, reset),
            c.title,
            c.section
        );
    }
    if let Some(explain) = &answer.explain {
        for r in &explain.resolutions {
            let how = serde_plain(&r.method);
            let search = r
                .search
                .as_ref()
                .map(|s| {
                    format!(
                        ", search: {} similarity {:.3} (threshold {:.2})",
                        s.page, s.similarity, s.threshold
                    )
                })
                .unwrap_or_default();
            println!(
                "  “{}” → {} by {how}{}, confidence {:.2}{search}",
                r.mention,
                r.concept.as_deref().unwrap_or("nothing"),
                r.matched
                    .as_ref()
                    .map(|m| format!(" “{m}”"))
                    .unwrap_or_default(),
                r.confidence
            );
        }
    }
    println!();
}

/// A unit enum's JSON name ("is-a", "misspelling") for terminal output.
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn terminal_highlight(
    text: &str,
    ranges: &[std::ops::Range<usize>],
    mark: &str,
    reset: &str,
) -> String {
    let mut out = String::new();
    let mut last = 0;
    for r in ranges {
        if r.start < last || r.end > text.len() {
            continue;
        }
        out.push_str(&text[last..r.start]);
        out.push_str(mark);
        out.push_str(&text[r.clone()]);
        out.push_str(reset);
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

/// `landscape analytics`: the report as three short tables.
pub fn analytics(report: &landscape::analytics::Report, log: &std::path::Path) {
    println!(
        "{} searches in the last {} days ({})",
        report.searches,
        report.days,
        log.display()
    );
    for (title, rows) in [
        ("Most frequent", &report.top),
        ("Without results", &report.no_results),
    ] {
        println!("\n{title}:");
        if rows.is_empty() {
            println!("  (none)");
        }
        for row in rows {
            println!("  {:>5}  {}", row.count, row.q);
        }
    }
    println!("\nOnly weak matches:");
    if report.weak.is_empty() {
        println!("  (none)");
    }
    for row in &report.weak {
        let signal = match row.signal {
            landscape::analytics::Signal::Similarity => "similarity",
            landscape::analytics::Signal::Coverage => "words found",
        };
        println!("  {:>5}  {}  ({signal} {:.2})", row.count, row.q, row.score);
    }
    println!("\nPer day:");
    for (day, n) in &report.daily {
        println!("  {day}  {n}");
    }
}
