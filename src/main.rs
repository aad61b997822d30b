//! `landscape`: the command line over the library. Flags, progress bars, terminal output and
//! exit codes live here; everything else is in the library.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use landscape::corpus::{Profile, ReadOptions};
use landscape::embed::{Embed, LocalModel, ModelPaths};
use landscape::engine::Engine;
use landscape::eval::dataset::EvalSet;
use landscape::eval::runner::{self, ModeSpec};
use landscape::http::HttpOptions;
use landscape::indexer::{self, Refresh};
use landscape::live::LiveEngine;
use landscape::request::{RequestDefaults, TextParams};
use landscape::store::Store;
use landscape::tuning::Tuning;

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
        paths: Paths,
        #[command(flatten)]
        tuning: Tuning,
        /// Build even when the live generation is up to date.
        #[arg(long)]
        force: bool,
    },
    /// Print the model's vectors of texts, one JSON line each (`{"text", "vector"}`): what a
    /// client that embeds its own queries sends as `vector` to `POST /search`.
    Embed {
        #[command(flatten)]
        paths: Paths,
        /// One text per line, or JSON lines with a `query` or `text` field; `-` reads stdin.
        file: PathBuf,
        /// Texts per model call.
        #[arg(long, default_value_t = 32)]
        batch: usize,
    },
    /// Serve the HTTP API; builds or refreshes the index first when needed.
    Serve {
        #[command(flatten)]
        paths: Paths,
        #[command(flatten)]
        tuning: Tuning,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7878", env = "LANDSCAPE_ADDR")]
        addr: String,
        /// An origin whose pages may call the API from a browser (repeatable, or
        /// comma-separated in LANDSCAPE_CORS_ORIGINS); none by default.
        #[arg(
            long = "cors-origin",
            env = "LANDSCAPE_CORS_ORIGINS",
            value_delimiter = ','
        )]
        cors_origins: Vec<String>,
        /// Searches and answers computed at once, not counting those waiting for the model
        /// [default: 2 per core].
        #[arg(long, env = "LANDSCAPE_MAX_IN_FLIGHT")]
        max_in_flight: Option<usize>,
        /// Searches and answers that may wait for one of those; beyond, 503 with Retry-After
        /// at once [default: 64 per core].
        #[arg(long, env = "LANDSCAPE_MAX_QUEUED")]
        max_queued: Option<usize>,
        #[command(flatten)]
        owner: OwnerOptions,
    },
    /// What visitors searched for: top queries, queries without results, daily counts, from
    /// the query log a server keeps.
    Analytics {
        /// The query log [default: <index>/analytics/queries.jsonl].
        #[arg(long)]
        query_log: Option<PathBuf>,
        /// Folder of index generations (where the log is by default).
        #[arg(long, default_value = "index", env = "LANDSCAPE_INDEX")]
        index: PathBuf,
        /// Days back from now.
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// Check the corpus against the house rules and the spec lists; exits non-zero on problems.
    Check {
        /// Folder of pages (Markdown and/or built HTML).
        #[arg(
            long,
            visible_alias = "site",
            default_value = "corpus",
            env = "LANDSCAPE_CORPUS"
        )]
        corpus: PathBuf,
        /// The live site's address (see `index --base-url`).
        #[arg(long, env = "LANDSCAPE_BASE_URL")]
        base_url: Option<String>,
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
        paths: Paths,
        #[command(flatten)]
        tuning: Tuning,
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
        modes: Vec<ModeSpec>,
    },
    /// Search from the terminal. Options are checked exactly as the HTTP API checks them.
    Search {
        #[command(flatten)]
        paths: Paths,
        #[command(flatten)]
        tuning: Tuning,
        /// The question or keywords.
        #[arg(required_unless_present = "queries")]
        query: Option<String>,
        #[command(flatten)]
        options: SearchOptions,
        /// Print the JSON response instead of text.
        #[arg(long)]
        json: bool,
        /// Run every query of a JSON-lines file (`{"query": "..."}` per line, as in
        /// corpus/queries/) and print, per query, the line a server's query log would get,
        /// with its similarity and coverage (what scripts/weak-queries measures).
        #[arg(long, conflicts_with_all = ["query", "json"])]
        queries: Option<PathBuf>,
    },
}

/// The options of a search, as text: read by the same validator as the HTTP API's.
#[derive(Args)]
struct SearchOptions {
    /// Number of results [default: 10].
    #[arg(short, long)]
    k: Option<String>,
    /// Results to skip, for the next page [default: 0].
    #[arg(long)]
    offset: Option<String>,
    /// keyword, semantic or hybrid [default: hybrid].
    #[arg(long)]
    mode: Option<String>,
    /// How hybrid mode fuses the legs: weighted, rrf or dbsf [default: weighted].
    #[arg(long)]
    fusion: Option<String>,
    /// Semantic share of weighted fusion, from 0 to 1 [default: 0.5; 0.4 for sites].
    #[arg(long)]
    ratio: Option<String>,
    /// RRF constant k [default: 60].
    #[arg(long)]
    rrf_k: Option<String>,
    /// Show each leg's rank and score, and how the answer's names were resolved.
    #[arg(long)]
    explain: bool,
    /// Only pages whose metadata match: `field:value`, comma-separated (`tags:setup,lang:en`).
    #[arg(long)]
    filter: Option<String>,
    /// Only pages of this kind: concept or comparison.
    #[arg(long)]
    kind: Option<String>,
    /// Only pages whose ancestry includes this page id.
    #[arg(long)]
    under: Option<String>,
}

impl SearchOptions {
    fn text(self, query: Option<String>) -> TextParams {
        TextParams {
            q: query,
            k: self.k,
            offset: self.offset,
            mode: self.mode,
            fusion: self.fusion,
            ratio: self.ratio,
            rrf_k: self.rrf_k,
            explain: self.explain.then(|| "true".to_string()),
            filter: self.filter,
            kind: self.kind,
            under: self.under,
            // `--typos` / `--prefix` are the tuning flags: on the command line the site's
            // default and the request's are one setting.
            typos: None,
            prefix: None,
        }
    }
}

/// Where the pages, the index and the model are.
/// What only the site's owner may see, and where visitors' searches are logged.
#[derive(clap::Args, Debug)]
struct OwnerOptions {
    /// Key for the owner's routes (`/analytics/queries`), sent as `Authorization: Bearer`;
    /// without one those routes are disabled.
    #[arg(long, env = "LANDSCAPE_ADMIN_KEY", hide_env_values = true)]
    admin_key: Option<String>,
    /// Key the JSON API's read routes (search, answer, pages) then need, as `Authorization:
    /// Bearer` (the admin key also works); without one they are public. Public but revocable:
    /// the page at `/` is given it, a widget tag carries it (`data-search-key`).
    #[arg(long, env = "LANDSCAPE_SEARCH_KEY", hide_env_values = true)]
    search_key: Option<String>,
    /// Where searches are logged (no addresses, no user agents) [default:
    /// <index>/analytics/queries.jsonl].
    #[arg(long)]
    query_log: Option<PathBuf>,
    /// Keep no query log.
    #[arg(long, conflicts_with = "query_log")]
    no_query_log: bool,
    /// Most query texts embedded in one model call: queries that arrive together share it
    /// (1: each query alone).
    #[arg(long, default_value_t = landscape::embed::MAX_BATCH, value_parser = clap::value_parser!(usize))]
    query_batch: usize,
    /// With an admin key: compact (build a fresh generation) when the pages pushed since the
    /// last build changed this share of the index's chunks.
    #[arg(long, default_value_t = landscape::update::DEFAULT_COMPACT_AT, value_parser = share)]
    compact_at: f64,
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{text}` is not a share from 0 to 1")),
    }
}

fn default_query_log(index: &Path) -> PathBuf {
    index.join("analytics").join("queries.jsonl")
}

#[derive(Args, Clone)]
struct Paths {
    /// Folder of pages: Markdown (front matter optional) and/or built HTML (`--site public/`).
    #[arg(
        long,
        visible_alias = "site",
        default_value = "corpus",
        env = "LANDSCAPE_CORPUS"
    )]
    corpus: PathBuf,
    /// The live site's address: results link to it plus each page's path, unless a page's
    /// front matter gives its `url` or `permalink`.
    #[arg(long, env = "LANDSCAPE_BASE_URL")]
    base_url: Option<String>,
    /// Folder of index generations.
    #[arg(long, default_value = "index", env = "LANDSCAPE_INDEX")]
    index: PathBuf,
    /// Folder with model.onnx and the tokenizer files [default: ~/.cache/landscape/model].
    #[arg(long, env = "LANDSCAPE_MODEL_DIR")]
    model_dir: Option<PathBuf>,
    /// ONNX Runtime shared library [default: ~/.cache/landscape/onnxruntime/libonnxruntime.so.1.31.1].
    #[arg(long, env = "LANDSCAPE_ORT_LIB")]
    ort_lib: Option<PathBuf>,
}

impl Paths {
    /// The corpus folder's profile (its `landscape.toml`), which picks some defaults.
    fn profile(&self) -> Result<Profile> {
        Profile::of_folder(&self.corpus).map_err(anyhow::Error::msg)
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            base_url: self.base_url.clone(),
        }
    }

    fn model(&self) -> Result<LocalModel> {
        let paths = ModelPaths::resolve(self.model_dir.clone(), self.ort_lib.clone());
        Ok(LocalModel::load(&paths)?)
    }
}

mod cli;

use cli::output;

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "landscape=info,tower_http=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Index {
            paths,
            tuning,
            force,
        } => refresh(&paths, &tuning, &paths.model()?, force, false),
        Command::Serve {
            paths,
            tuning,
            addr,
            cors_origins,
            max_in_flight,
            max_queued,
            owner,
        } => serve(
            &paths,
            &tuning,
            &addr,
            &cors_origins,
            (max_in_flight, max_queued),
            owner,
        ),
        Command::Analytics {
            query_log,
            index,
            days,
        } => {
            let log = query_log.unwrap_or_else(|| default_query_log(&index));
            output::analytics(&landscape::analytics::report(&log, days)?, &log);
            Ok(())
        }
        Command::Check {
            corpus,
            base_url,
            spec,
            no_spec,
        } => output::check(&corpus, &ReadOptions { base_url }, spec, no_spec),
        Command::Eval {
            paths,
            tuning,
            dataset,
            questions,
            split,
            out,
            modes,
        } => {
            let set = match (&dataset, &questions) {
                (Some(dir), _) => EvalSet::load_beir(dir, &split)?,
                (None, Some(file)) => EvalSet::load_questions(file, &paths.corpus)?,
                (None, None) => bail!("pass --dataset DIR or --questions FILE"),
            };
            eval(&paths, &tuning, &set, out, &modes)
        }
        Command::Embed { paths, file, batch } => embed_texts(&paths.model()?, &file, batch),
        Command::Search {
            paths,
            tuning,
            options,
            queries: Some(file),
            ..
        } => search_each(&paths, &tuning, options.text(None), &file),
        Command::Search {
            paths,
            tuning,
            query,
            options,
            json,
            queries: None,
        } => search(&paths, &tuning, options.text(query), json),
    }
}

/// `landscape embed`: texts in, vectors out, in the order read.
fn embed_texts(model: &LocalModel, file: &Path, batch: usize) -> Result<()> {
    use std::io::{BufRead, Write};
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut texts = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        texts.push(text_of_line(&line).with_context(|| {
            format!("{}:{}: no `query` or `text` field", file.display(), i + 1)
        })?);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for group in texts.chunks(batch.max(1)) {
        let vectors = model.embed(group, group.len())?;
        for (text, vector) in group.iter().zip(vectors) {
            let line = serde_json::json!({ "text": text, "vector": vector });
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A line of plain text, or a JSON object's `query` or `text`.
fn text_of_line(line: &str) -> Option<String> {
    if !line.trim_start().starts_with('{') {
        return Some(line.to_string());
    }
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let text = value.get("query").or_else(|| value.get("text"))?;
    text.as_str().map(str::to_string)
}

/// `landscape search`: the request is checked before the model loads, so a bad option fails
/// at once.
fn search(paths: &Paths, tuning: &Tuning, text: TextParams, json: bool) -> Result<()> {
    let config = tuning.engine_config(paths.profile()?);
    // The command line takes no vector.
    let request = text.parse()?.validate_with(RequestDefaults {
        semantic_ratio: config.semantic_ratio,
        spelling: config.spelling,
        dimensions: None,
    })?;
    let engine = open_engine(paths, tuning)?;
    let response = engine.search(&request)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        output::print_results(&engine, &response);
    }
    Ok(())
}

/// `landscape search --queries FILE`: each query of the file searched with the same options,
/// printed as the query-log line a server would write for it.
fn search_each(paths: &Paths, tuning: &Tuning, options: TextParams, file: &Path) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Line {
        query: String,
    }
    let config = tuning.engine_config(paths.profile()?);
    let defaults = RequestDefaults {
        semantic_ratio: config.semantic_ratio,
        spelling: config.spelling,
        dimensions: None,
    };
    let text = std::fs::read_to_string(file).with_context(|| format!("{}", file.display()))?;
    let requests = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let line: Line = serde_json::from_str(l)
                .with_context(|| format!("{} line {}", file.display(), i + 1))?;
            let params = TextParams {
                q: Some(line.query),
                ..options.clone()
            };
            Ok(params.parse()?.validate_with(defaults)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let engine = open_engine(paths, tuning)?;
    for request in &requests {
        let response = engine.search(request)?;
        let mut entry = landscape::analytics::Entry::of_search(request, &response);
        entry.q = landscape::analytics::normalise(&entry.q);
        println!("{}", serde_json::to_string(&entry)?);
    }
    Ok(())
}

/// A progress bar for embedding, fed by the library's `progress(done, total)` callbacks.
fn embedding_bar() -> (ProgressBar, impl FnMut(usize, usize)) {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "embedding {bar:40} {pos}/{len} chunks ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let feed = bar.clone();
    (bar, move |done: usize, total: usize| {
        feed.set_length(total as u64);
        feed.set_position(done as u64);
    })
}

/// Builds the live generation when the corpus changed. With `keep_serving`, a corpus that
/// cannot be indexed leaves the previous generation live with a warning instead of failing.
fn refresh(
    paths: &Paths,
    tuning: &Tuning,
    model: &LocalModel,
    force: bool,
    keep_serving: bool,
) -> Result<()> {
    let store = Store::new(&paths.index);
    let (bar, mut progress) = embedding_bar();
    let refreshed = indexer::refresh(
        &store,
        &paths.corpus,
        &paths.read_options(),
        model,
        model.token_counter(),
        &tuning.build_options(paths.profile()?),
        force,
        &mut progress,
    );
    bar.finish_and_clear();
    match refreshed? {
        Refresh::UpToDate => eprintln!("index is up to date with {}", paths.corpus.display()),
        Refresh::Built(report) => eprintln!(
            "built {} from {} pages: {} chunks ({} embedded, {} from cache) in {:.1}s",
            report.manifest.generation,
            report.manifest.pages,
            report.manifest.chunks,
            report.embedded,
            report.cached,
            report.elapsed.as_secs_f64()
        ),
        Refresh::KeptPrevious(e) if keep_serving => {
            eprintln!("warning: {e:#}\nwarning: serving the previous index generation")
        }
        Refresh::KeptPrevious(e) => return Err(e.into()),
    }
    Ok(())
}

/// The live generation, refreshed first; a broken corpus keeps the previous one serving.
fn open_engine(paths: &Paths, tuning: &Tuning) -> Result<Engine> {
    let model = Arc::new(paths.model()?);
    refresh(paths, tuning, &model, false, true)?;
    let store = Store::new(&paths.index);
    Ok(Engine::open(
        &store,
        model,
        tuning.engine_config(paths.profile()?),
    )?)
}

fn eval(
    paths: &Paths,
    tuning: &Tuning,
    set: &EvalSet,
    out: Option<PathBuf>,
    modes: &[ModeSpec],
) -> Result<()> {
    if tuning.keyword_only {
        bail!("eval compares every mode; drop --keyword-only (use --modes keyword for the keyword leg alone)");
    }
    let started = Instant::now();
    eprintln!(
        "{}: {} documents, {} judged queries",
        set.name,
        set.corpus.pages().len(),
        set.queries.len()
    );
    let model = Arc::new(paths.model()?);
    let store = Store::new(paths.index.join("eval").join(&set.name));
    let (bar, mut progress) = embedding_bar();
    let counter = model.token_counter().clone();
    let report = runner::evaluate(set, &store, model, &counter, tuning, modes, &mut progress);
    bar.finish_and_clear();
    let report = report?;
    eprintln!(
        "index {} ({} chunks) {} in {:.1}s",
        report.generation,
        report.chunks,
        if report.index_built {
            "built"
        } else {
            "reused"
        },
        report.index_seconds
    );
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

fn serve(
    paths: &Paths,
    tuning: &Tuning,
    addr: &str,
    cors_origins: &[String],
    (max_in_flight, max_queued): (Option<usize>, Option<usize>),
    owner: OwnerOptions,
) -> Result<()> {
    // Checked before the model loads, so a bad origin or key fails at once.
    let mut options = http_options(paths, cors_origins, (max_in_flight, max_queued), &owner)?;
    let model = Arc::new(paths.model()?);
    refresh(paths, tuning, &model, false, true)?;
    let store = Store::new(&paths.index);
    let config = tuning.engine_config(paths.profile()?);
    // Queries that arrive together share one model call (`embed::Batched`); indexing and
    // pushed pages use the model directly, in their own batches.
    let queries: Arc<dyn landscape::embed::Embed> = Arc::new(landscape::embed::Batched::with_max(
        model.clone(),
        owner.query_batch,
    ));
    let engine = Arc::new(Engine::open(&store, queries.clone(), config)?);
    let live = if options.admin_key.is_some() {
        // The writer serves pushed pages, and follows each generation that goes live.
        let live = Arc::new(LiveEngine::fixed(engine.clone()));
        let profile = paths.profile()?;
        let writer = landscape::update::Writer::start(
            store,
            model.clone(),
            model.token_counter().clone(),
            live.clone(),
            landscape::update::WriteConfig {
                corpus_dir: paths.corpus.clone(),
                read: paths.read_options(),
                profile,
                build: tuning.build_options(profile),
                engine: config,
                compact_at: owner.compact_at,
            },
        )?;
        options.writer = Some(Arc::new(writer));
        live
    } else {
        // Each generation that goes live later (`landscape index`) is served without a restart.
        Arc::new(LiveEngine::watching(engine.clone(), store, queries, config))
    };
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
            engine.generation()
        );
        landscape::http::serve(listener, live, options, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The HTTP front end's settings from `serve`'s flags.
fn http_options(
    paths: &Paths,
    cors_origins: &[String],
    (max_in_flight, max_queued): (Option<usize>, Option<usize>),
    owner: &OwnerOptions,
) -> Result<HttpOptions> {
    let mut options = HttpOptions::with_cors_origins(cors_origins).map_err(anyhow::Error::msg)?;
    options.corpus_dir = Some(paths.corpus.clone());
    if max_in_flight.is_some() || max_queued.is_some() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        options.engine_slots = Arc::new(landscape::http::EngineSlots::new(
            max_in_flight.unwrap_or(landscape::http::RUNNING_PER_CORE * cores),
            max_queued.unwrap_or(landscape::http::WAITING_PER_CORE * cores),
        ));
    }
    options.admin_key = owner
        .admin_key
        .clone()
        .filter(|k| !k.is_empty())
        .map(Arc::from);
    if let Some(key) = owner.search_key.clone().filter(|k| !k.is_empty()) {
        landscape::http::check_key("--search-key", &key).map_err(anyhow::Error::msg)?;
        if options.admin_key.as_deref() == Some(key.as_str()) {
            bail!("--search-key must differ from --admin-key: the search key is shown to visitors");
        }
        options.search_key = Some(Arc::from(key));
    }
    if !owner.no_query_log {
        let path = owner
            .query_log
            .clone()
            .unwrap_or_else(|| default_query_log(&paths.index));
        options.query_log = Some(Arc::new(landscape::analytics::QueryLog::new(
            path,
            landscape::analytics::DEFAULT_MAX_BYTES,
        )));
    }
    Ok(options)
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
