//! `landscape`: the command line over the library. Parsing flags, progress bars and terminal
//! output live here; everything else is in the library.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use landscape::chunk::ChunkParams;
use landscape::corpus::Corpus;
use landscape::embed::{Embed, EmbeddingCache, LocalModel, ModelPaths};
use landscape::engine::{Engine, EngineConfig, FuseLevel, Mode, SearchRequest};
use landscape::fusion::{Aggregation, Fusion, DEFAULT_RRF_K, DEFAULT_SEMANTIC_RATIO};
use landscape::indexer::{self, BuildOptions};
use landscape::keyword::{FieldBoosts, KeywordParams, KeywordUnit};
use landscape::store::Store;
use landscape::vector::HnswParams;

#[derive(Parser)]
#[command(
    name = "landscape",
    version,
    about = "Hybrid keyword + semantic search over concept pages"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a new index generation from the corpus (skipped when it is already up to date).
    Index {
        #[command(flatten)]
        paths: PathArgs,
        /// Build even when the live generation is up to date.
        #[arg(long)]
        force: bool,
    },
    /// Serve the HTTP API; builds or refreshes the index first when needed.
    Serve {
        #[command(flatten)]
        paths: PathArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7878", env = "LANDSCAPE_ADDR")]
        addr: String,
    },
    /// Check the corpus against the house rules and the spec lists; exits non-zero on problems.
    Check {
        /// Folder of Markdown pages.
        #[arg(long, default_value = "corpus", env = "LANDSCAPE_CORPUS")]
        corpus: PathBuf,
        /// Folder with concepts.tsv and comparisons.tsv [default: ../shared/spec when present].
        #[arg(long, conflicts_with = "no_spec")]
        spec: Option<PathBuf>,
        /// Skip the spec coverage check (for your own pages).
        #[arg(long)]
        no_spec: bool,
    },
    /// Measure ranking quality in every mode on a BEIR dataset or the built-in questions.
    ///
    /// Builds (or reuses) an index for the documents under `<index>/eval/<name>`, runs every
    /// query in keyword, semantic and each hybrid mode, and writes TREC run files, report.json,
    /// report.md and chart.svg.
    Eval {
        #[command(flatten)]
        paths: PathArgs,
        /// A dataset in BEIR layout: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.
        #[arg(
            long,
            required_unless_present = "questions",
            conflicts_with = "questions"
        )]
        dataset: Option<PathBuf>,
        /// A question set over the corpus (`--corpus`), e.g. corpus/queries/dev.jsonl.
        #[arg(long)]
        questions: Option<PathBuf>,
        /// Which qrels file of a BEIR dataset judges the queries.
        #[arg(long, default_value = "test")]
        split: String,
        /// Folder for the report and run files [default: <index>/eval/<name>/report].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Modes to run, comma-separated: keyword, semantic, rrf[:K], weighted[:RATIO], dbsf.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "keyword,semantic,rrf,weighted,dbsf"
        )]
        modes: Vec<landscape::eval::runner::ModeSpec>,
    },
    /// Search from the terminal.
    Search {
        #[command(flatten)]
        paths: PathArgs,
        /// The question or keywords.
        query: String,
        /// Number of results.
        #[arg(short, long, default_value_t = 5)]
        k: usize,
        /// keyword, semantic or hybrid.
        #[arg(long, default_value = "hybrid")]
        mode: Mode,
        /// How hybrid mode fuses the legs: weighted, rrf or dbsf.
        #[arg(long, default_value = "weighted")]
        fusion: String,
        /// Semantic share of weighted fusion, from 0 to 1.
        #[arg(long, default_value_t = DEFAULT_SEMANTIC_RATIO)]
        ratio: f32,
        /// RRF constant k.
        #[arg(long, default_value_t = DEFAULT_RRF_K)]
        rrf_k: f32,
        /// Show each leg's rank and score.
        #[arg(long)]
        explain: bool,
        /// Print the JSON response instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Clone)]
struct PathArgs {
    /// Folder of Markdown pages.
    #[arg(long, default_value = "corpus", env = "LANDSCAPE_CORPUS")]
    corpus: PathBuf,
    /// Folder of index generations.
    #[arg(long, default_value = "index", env = "LANDSCAPE_INDEX")]
    index: PathBuf,
    /// Folder with model.onnx and the tokenizer files [default: ~/.cache/landscape/model].
    #[arg(long, env = "LANDSCAPE_MODEL_DIR")]
    model_dir: Option<PathBuf>,
    /// ONNX Runtime shared library [default: ~/.cache/landscape/onnxruntime/libonnxruntime.so.1.31.1].
    #[arg(long, env = "LANDSCAPE_ORT_LIB")]
    ort_lib: Option<PathBuf>,
    /// HNSW links per node (a build parameter).
    #[arg(long, default_value_t = HnswParams::default().m)]
    hnsw_m: usize,
    /// HNSW candidate list while building (a build parameter).
    #[arg(long, default_value_t = HnswParams::default().ef_construction)]
    ef_construction: usize,
    /// HNSW candidate list while searching.
    #[arg(long, default_value_t = HnswParams::default().ef_search)]
    ef_search: usize,
    /// Chunks each leg contributes to fusion.
    #[arg(long, default_value_t = EngineConfig::default().candidates)]
    candidates: usize,
    /// Longest chunk in model tokens, prefix included (a build parameter).
    #[arg(long, default_value_t = ChunkParams::default().max_tokens)]
    chunk_tokens: usize,
    /// Index each page title in its chunks' body text too (a build parameter).
    #[arg(long, default_value_t = KeywordParams::default().title_in_body, action = clap::ArgAction::Set)]
    title_in_body: bool,
    /// What BM25 scores: chunk or page (a build parameter).
    #[arg(long, default_value = "page")]
    keyword_unit: KeywordUnit,
    /// Keyword boost of the title field.
    #[arg(long, default_value_t = FieldBoosts::default().title)]
    title_boost: f32,
    /// Keyword boost of the aliases field.
    #[arg(long, default_value_t = FieldBoosts::default().aliases)]
    aliases_boost: f32,
    /// Hybrid mode fuses chunk rankings or page rankings: chunk or page.
    #[arg(long, default_value = "page")]
    fuse_level: FuseLevel,
    /// A page's score in a leg from its chunks' scores: max or sum.
    #[arg(long, default_value = "max")]
    aggregation: Aggregation,
}

impl PathArgs {
    fn build_options(&self) -> BuildOptions {
        BuildOptions {
            hnsw: HnswParams {
                m: self.hnsw_m.max(2),
                ef_construction: self.ef_construction.max(1),
                ef_search: self.ef_search.max(1),
            },
            chunk: ChunkParams {
                max_tokens: self.chunk_tokens.clamp(32, landscape::embed::MAX_TOKENS),
                ..ChunkParams::default()
            },
            keyword: KeywordParams {
                title_in_body: self.title_in_body,
                unit: self.keyword_unit,
            },
            ..BuildOptions::default()
        }
    }

    fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            ef_search: self.ef_search.max(1),
            candidates: self.candidates.clamp(1, 10_000),
            fuse_level: self.fuse_level,
            boosts: FieldBoosts {
                title: self.title_boost.max(0.0),
                aliases: self.aliases_boost.max(0.0),
                body: 1.0,
            },
            aggregation: self.aggregation,
        }
    }

    fn model(&self) -> Result<LocalModel> {
        let paths = ModelPaths::resolve(self.model_dir.clone(), self.ort_lib.clone());
        Ok(LocalModel::load(&paths)?)
    }
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "landscape=info,tower_http=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Index { paths, force } => {
            let model = paths.model()?;
            index(&paths, &model, force)?;
            Ok(())
        }
        Command::Serve { paths, addr } => serve(&paths, &addr),
        Command::Check {
            corpus,
            spec,
            no_spec,
        } => check(&corpus, spec, no_spec),
        Command::Eval {
            paths,
            dataset,
            questions,
            split,
            out,
            modes,
        } => eval(&paths, dataset, questions, &split, out, &modes),
        Command::Search {
            paths,
            query,
            k,
            mode,
            fusion,
            ratio,
            rrf_k,
            explain,
            json,
        } => {
            let model = Arc::new(paths.model()?);
            ensure_index(&paths, &model)?;
            let engine = Engine::open(&Store::new(&paths.index), model, paths.engine_config())?;
            let fusion = match fusion.as_str() {
                "weighted" if (0.0..=1.0).contains(&ratio) => Fusion::Weighted {
                    semantic_ratio: ratio,
                },
                "weighted" => bail!("--ratio is {ratio}; it must be from 0 to 1"),
                "rrf" if rrf_k > 0.0 => Fusion::Rrf { k: rrf_k },
                "rrf" => bail!("--rrf-k is {rrf_k}; it must be above 0"),
                "dbsf" => Fusion::Dbsf,
                other => bail!("unknown fusion `{other}`; use weighted, rrf or dbsf"),
            };
            if query.trim().is_empty() {
                bail!("the query is empty");
            }
            let response = engine.search(&SearchRequest {
                query,
                k: k.clamp(1, 100),
                mode,
                fusion,
                explain,
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&response)?);
            } else {
                print_results(&engine, &response);
            }
            Ok(())
        }
    }
}

/// Builds a generation (unless up to date and not forced), with a progress bar for embedding.
fn index(paths: &PathArgs, model: &LocalModel, force: bool) -> Result<()> {
    let corpus = load_corpus(&paths.corpus)?;
    let store = Store::new(&paths.index);
    let options = paths.build_options();
    if !force && indexer::is_up_to_date(&store, &corpus, model, &options)? {
        eprintln!("index is up to date with {}", paths.corpus.display());
        return Ok(());
    }
    let started = Instant::now();
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "embedding {bar:40} {pos}/{len} chunks ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = indexer::build(
        &store,
        &corpus,
        model,
        model.token_counter(),
        &options,
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    eprintln!(
        "built {} from {} pages: {} chunks ({} embedded, {} from cache) in {:.1}s",
        report.manifest.generation,
        report.manifest.pages,
        report.manifest.chunks,
        report.embedded,
        report.cached,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn eval(
    paths: &PathArgs,
    dataset: Option<PathBuf>,
    questions: Option<PathBuf>,
    split: &str,
    out: Option<PathBuf>,
    modes: &[landscape::eval::runner::ModeSpec],
) -> Result<()> {
    use landscape::eval::dataset::EvalSet;
    use landscape::eval::report::Report;
    use landscape::eval::runner;

    let started = Instant::now();
    let set = match (&dataset, &questions) {
        (Some(dir), _) => EvalSet::load_beir(dir, split)?,
        (None, Some(file)) => EvalSet::load_questions(file, &paths.corpus)?,
        (None, None) => bail!("pass --dataset DIR or --questions FILE"),
    };
    eprintln!(
        "{}: {} documents, {} judged queries",
        set.name,
        set.corpus.pages().len(),
        set.queries.len()
    );
    let model = Arc::new(paths.model()?);
    let store = Store::new(paths.index.join("eval").join(&set.name));
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "embedding {bar:40} {pos}/{len} chunks ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let prepared = runner::prepare_index(
        &set,
        &store,
        model.clone(),
        model.token_counter(),
        &paths.build_options(),
        paths.engine_config(),
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    let engine = &prepared.engine;
    eprintln!(
        "index {} ({} chunks) {} in {:.1}s",
        engine.manifest().generation,
        engine.manifest().chunks,
        if prepared.built { "built" } else { "reused" },
        prepared.elapsed.as_secs_f64()
    );
    let mut cache = EmbeddingCache::open(&store.embeddings_dir(), model.identity())?;
    let query_vectors = runner::embed_queries(&set, model.as_ref(), &mut cache)?;
    let modes = runner::run_modes(&set, engine, &query_vectors, modes)?;
    let hnsw_recall_at_10 = runner::hnsw_recall_at_10(engine, &cache, &query_vectors)?;
    let verdicts = runner::score_verdicts(&set, engine)?;
    let mut report = Report {
        hnsw_recall_at_10,
        verdicts,
        dataset: set.name.clone(),
        source: set.source.display().to_string(),
        documents: set.corpus.pages().len(),
        chunks: engine.manifest().chunks,
        queries: set.queries.len(),
        model: engine.manifest().model.clone(),
        build: paths.build_options(),
        engine: paths.engine_config(),
        generation: engine.manifest().generation.clone(),
        index_built: prepared.built,
        index_seconds: prepared.elapsed.as_secs_f64(),
        per_query: modes
            .iter()
            .map(|m| (m.spec.name.clone(), m.per_query.clone()))
            .collect(),
        modes,
        by_type: Default::default(),
    };
    report.summarise_types(&set.types);
    let out = out.unwrap_or_else(|| store.root().join("report"));
    let written = report.write(&out)?;
    println!("{}", report.markdown());
    eprintln!(
        "wrote {} files to {} in {:.1}s",
        written.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn check(dir: &Path, spec: Option<PathBuf>, no_spec: bool) -> Result<()> {
    use landscape::corpus::check::{self, Spec};
    let corpus = match Corpus::load(dir) {
        Ok(c) => c,
        Err(e) => {
            println!("{e}");
            bail!("the corpus does not load");
        }
    };
    let spec_dir = spec.or_else(|| {
        let default = PathBuf::from("../shared/spec");
        if no_spec {
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
    let concepts = corpus
        .pages()
        .iter()
        .filter(|p| p.kind == landscape::corpus::PageKind::Concept)
        .count();
    println!(
        "{} pages: {concepts} concepts, {} comparisons; roots: {}",
        corpus.pages().len(),
        corpus.pages().len() - concepts,
        report
            .roots
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    match (&report.coverage, &spec) {
        (Some(coverage), Some(spec)) => {
            println!("{coverage}");
            let (concepts, comparisons) = check::missing(&corpus, spec);
            if !concepts.is_empty() {
                println!("missing concepts: {}", concepts.join(", "));
            }
            if !comparisons.is_empty() {
                println!("missing comparisons: {}", comparisons.join(", "));
            }
        }
        _ => println!("coverage: no spec (pass --spec DIR)"),
    }
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

fn load_corpus(dir: &Path) -> Result<Corpus> {
    Corpus::load(dir).with_context(|| format!("nothing was indexed from {}", dir.display()))
}

/// Makes sure a usable, up-to-date generation exists. If the corpus is broken but an older
/// generation exists, that generation keeps serving and the problems are reported.
fn ensure_index(paths: &PathArgs, model: &LocalModel) -> Result<()> {
    let store = Store::new(&paths.index);
    match index(paths, model, false) {
        Ok(()) => Ok(()),
        Err(e) if store.current_name().ok().flatten().is_some() => {
            eprintln!("warning: {e:#}\nwarning: serving the previous index generation");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn serve(paths: &PathArgs, addr: &str) -> Result<()> {
    let model = Arc::new(paths.model()?);
    ensure_index(paths, &model)?;
    let engine = Arc::new(Engine::open(
        &Store::new(&paths.index),
        model,
        paths.engine_config(),
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        tracing::info!(
            "serving {} on http://{local}/search?q=...",
            engine.manifest().generation
        );
        landscape::http::serve(listener, engine, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn print_results(engine: &Engine, response: &landscape::engine::SearchResponse) {
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
fn print_answer(answer: &landscape::answer::Answer, bold: &str, mark: &str, reset: &str) {
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
    if let Some(link) = &answer.link {
        println!("  page: {link}");
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
