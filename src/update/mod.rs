//! The write path of a running server: pages pushed through the API become searchable within
//! about a second, without a rebuild, and a background compaction folds them into a fresh
//! generation.
//!
//! ```text
//! PUT/POST/DELETE /pages ─▶ Writer::accept ── validate against the pages as they will be
//!        (admin key)            │              (as `landscape check` would: 422 otherwise)
//!                               ├─▶ pushed::PushedPages::commit  (durable: fsync + rename)
//!                               └─▶ task enqueued ─▶ reply 202 (or wait: ?wait=true)
//!                                        │
//! indexer thread (one writer) ◀──────────┘  queued writes coalesced, one page one change
//!     Delta::apply: chunk, embed (cache), tantivy delete + add, new points scored exactly,
//!                   old points skipped ─▶ a new Engine swapped in (LiveEngine::publish)
//!     when dead + new points ≥ compact_at × the generation's: indexer::build from the
//!     folder with the pushed pages over it ─▶ a new generation, then the pushes it lacks
//! ```
//!
//! Readers never wait for the writer: each request keeps the engine it started with, and
//! every engine is a fixed snapshot (tantivy searcher, chunk table, vectors).

pub mod delta;
pub mod pushed;
pub mod tasks;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::chunk::TokenCounter;
use crate::corpus::{Change, Corpus, Problem, Profile, ReadOptions};
use crate::embed::{Embed, EmbedError, EmbeddingCache};
use crate::engine::{EngineConfig, EngineError};
use crate::indexer::{self, BuildError, BuildOptions};
use crate::keyword::KeywordError;
use crate::live::LiveEngine;
use crate::store::{Store, StoreError};

use delta::{Delta, Tools};
use pushed::{PushedError, PushedPages};
pub use tasks::{Task, TaskStatus, Tasks};

/// Compact when the generation's dead points plus the points added since reach this share of
/// its points. New points are scored exactly (each costs one dot product per query) and dead
/// ones make the graph walk filter; at a tenth, a SciFact-sized index scores about a thousand
/// extra points, well under a millisecond.
pub const DEFAULT_COMPACT_AT: f64 = 0.1;
/// Writes accepted and not yet searchable before new ones are refused (503).
pub const MAX_PENDING: usize = 1_000;
/// After a failed compaction, how long before the next try.
const COMPACTION_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keyword(#[from] KeywordError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Pushed(#[from] PushedError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the pages no longer fit the index: {}", .0.iter().map(Problem::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    #[error("the writer's state was poisoned by a panic; restart the server")]
    Poisoned,
    #[error("no generation is open for writes")]
    NoGeneration,
    #[error("another process holds {0}: only one server may write to an index")]
    WriterLocked(PathBuf),
}

/// Why a write was refused (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A page is malformed, or the change would break the corpus (a missing parent, …).
    #[error("{} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("no page has the id `{0}`")]
    UnknownPage(String),
    #[error("{MAX_PENDING} writes are waiting to be indexed; retry shortly")]
    QueueFull,
    #[error("the write could not be stored: {0}")]
    Storage(#[from] PushedError),
    #[error("the writer has stopped")]
    Stopped,
}

/// What the writer needs to know about the site besides its index.
#[derive(Debug, Clone)]
pub struct WriteConfig {
    pub corpus_dir: PathBuf,
    pub read: ReadOptions,
    pub profile: Profile,
    pub build: BuildOptions,
    pub engine: EngineConfig,
    /// See [`DEFAULT_COMPACT_AT`].
    pub compact_at: f64,
}

/// The validation side: the pages as they will be once every accepted write is applied.
struct Acceptor {
    pushed: PushedPages,
    desired: Corpus,
    read: ReadOptions,
    corpus_dir: PathBuf,
}

/// The problems `landscape check` finds in the pages `changes` write (its rules for the
/// corpus's profile: errors under the concept format, none for a plain site). Problems of
/// pages the changes do not touch are the folder's business, not the write's.
fn house_rules(corpus: &Corpus, changes: &[Change], corpus_dir: &std::path::Path) -> Vec<Problem> {
    let written: std::collections::HashSet<PathBuf> = changes
        .iter()
        .filter(|c| c.source.is_some())
        .map(|c| PathBuf::from(format!("{}{}.md", crate::corpus::PUSHED_PREFIX, c.id)))
        .collect();
    crate::corpus::check::check(corpus, corpus_dir, None)
        .problems
        .into_iter()
        .filter(|p| written.contains(&p.file))
        .collect()
}

/// A batch of accepted changes on its way to the indexer.
struct Batch {
    task: u64,
    changes: Vec<Change>,
}

/// The one writer of an index folder.
pub struct Writer {
    acceptor: Arc<Mutex<Acceptor>>,
    tasks: Arc<Tasks>,
    queue: Mutex<Option<Sender<Batch>>>,
    next_task: std::sync::atomic::AtomicU64,
    thread: Mutex<Option<JoinHandle<()>>>,
    pages_dir: PathBuf,
    _lock: std::fs::File,
}

impl Writer {
    /// Starts the indexer thread over `store`, publishing each update to `live`. Fails when
    /// another process writes to the same index.
    pub fn start(
        store: Store,
        model: Arc<dyn Embed>,
        counter: TokenCounter,
        live: Arc<LiveEngine>,
        config: WriteConfig,
    ) -> Result<Writer, UpdateError> {
        let lock_path = store.root().join(".writer.lock");
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| PushedError::Io {
                path: lock_path.clone(),
                source,
            })?;
        if lock.try_lock().is_err() {
            return Err(UpdateError::WriterLocked(lock_path));
        }
        let pushed = PushedPages::open(store.root())?;
        let pages_dir = pushed.pages_dir();
        let desired = live.get().pages().clone().with_profile(config.profile);
        let acceptor = Arc::new(Mutex::new(Acceptor {
            pushed,
            desired,
            read: config.read.clone(),
            corpus_dir: config.corpus_dir.clone(),
        }));
        let tasks = Arc::new(Tasks::default());
        let (send, receive) = mpsc::channel();
        let cache = EmbeddingCache::open(&store.embeddings_dir(), model.identity())?;
        let indexer = Indexer {
            store,
            model,
            counter,
            live,
            config,
            acceptor: acceptor.clone(),
            tasks: tasks.clone(),
            cache,
            delta: None,
            compaction: None,
            compaction_failed: None,
            failing: None,
        };
        let thread = std::thread::Builder::new()
            .name("landscape-writer".into())
            .spawn(move || indexer.run(receive))
            .map_err(|source| PushedError::Io {
                path: PathBuf::from("writer thread"),
                source,
            })?;
        Ok(Writer {
            acceptor,
            tasks,
            queue: Mutex::new(Some(send)),
            next_task: std::sync::atomic::AtomicU64::new(tasks::now_ms()),
            thread: Mutex::new(Some(thread)),
            pages_dir,
            _lock: lock,
        })
    }

    /// Validates `changes` against the pages as they will be, makes them durable, and queues
    /// them for indexing. Blocking (it fsyncs): call it off the async workers.
    pub fn accept(&self, changes: Vec<Change>) -> Result<Task, WriteError> {
        if self.tasks.pending() >= MAX_PENDING {
            return Err(WriteError::QueueFull);
        }
        let mut acceptor = self.acceptor.lock().map_err(|_| WriteError::Stopped)?;
        for change in changes.iter().filter(|c| c.source.is_none()) {
            if acceptor.desired.get(&change.id).is_none() {
                return Err(WriteError::UnknownPage(change.id.clone()));
            }
        }
        let desired = acceptor
            .desired
            .with_changes(&changes, &acceptor.read)
            .map_err(WriteError::Invalid)?;
        let problems = house_rules(&desired, &changes, &acceptor.corpus_dir);
        if !problems.is_empty() {
            return Err(WriteError::Invalid(problems));
        }
        let id = self
            .next_task
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let validated = Instant::now();
        acceptor.pushed.commit(id, &changes)?;
        tracing::debug!(
            pages = changes.len(),
            stored_ms = validated.elapsed().as_millis() as u64,
            "write accepted"
        );
        acceptor.desired = desired;
        let (removed, pages): (Vec<&Change>, Vec<&Change>) =
            changes.iter().partition(|c| c.source.is_none());
        let task = Task {
            task: id,
            status: TaskStatus::Enqueued,
            pages: pages.iter().map(|c| c.id.clone()).collect(),
            removed: removed.iter().map(|c| c.id.clone()).collect(),
            error: None,
            generation: None,
            enqueued_at: tasks::now_ms(),
            finished_at: None,
        };
        self.tasks.insert(task.clone());
        let queue = self.queue.lock().map_err(|_| WriteError::Stopped)?;
        let sent = queue.as_ref().map(|q| q.send(Batch { task: id, changes }));
        if !matches!(sent, Some(Ok(()))) {
            // Durable all the same: the next start indexes it.
            self.tasks.update(
                &[id],
                TaskStatus::Failed,
                Some("the writer has stopped; the write is stored and indexed at the next start"),
                None,
            );
        }
        Ok(task)
    }

    /// The writes this process accepted.
    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }

    /// Where pushed pages' sources are kept (`index/pushed/pages`).
    pub fn pages_dir(&self) -> PathBuf {
        self.pages_dir.clone()
    }

    /// Whether a page with this id exists or is about to (accepted writes included).
    pub fn has_page(&self, id: &str) -> bool {
        self.acceptor
            .lock()
            .is_ok_and(|a| a.desired.get(id).is_some())
    }

    /// The profile pushed pages are read with.
    pub fn profile(&self) -> Profile {
        self.acceptor
            .lock()
            .map_or(Profile::default(), |a| a.desired.profile())
    }

    /// Stops the indexer thread after the writes queued so far.
    pub fn stop(&self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take();
        }
        if let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The indexer thread's state.
struct Indexer {
    store: Store,
    model: Arc<dyn Embed>,
    counter: TokenCounter,
    live: Arc<LiveEngine>,
    config: WriteConfig,
    acceptor: Arc<Mutex<Acceptor>>,
    tasks: Arc<Tasks>,
    cache: EmbeddingCache,
    delta: Option<Delta>,
    /// The compaction running, if any: a build of a fresh generation, and how long it took.
    compaction: Option<Compaction>,
    compaction_failed: Option<Instant>,
    /// Why the live generation could not be opened, last time it was tried.
    failing: Option<String>,
}

type Compaction = JoinHandle<Result<(indexer::BuildReport, Duration), BuildError>>;

impl Indexer {
    fn run(mut self, queue: Receiver<Batch>) {
        loop {
            match self.follow_generation() {
                Ok(()) => self.failing = None,
                // Logged once per problem, not every tick.
                Err(e) if self.failing.as_deref() != Some(&e.to_string()) => {
                    tracing::error!(error = %e, "the live generation could not be opened for writes");
                    self.failing = Some(e.to_string());
                }
                Err(_) => {}
            }
            match queue.recv_timeout(crate::live::RELOAD_EVERY) {
                Ok(first) => {
                    let mut batches = vec![first];
                    batches.extend(queue.try_iter());
                    self.index(batches);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            self.compact_if_due();
        }
    }

    /// Opens the live generation when it is not the one written to (at start, after a
    /// compaction, after `landscape index`), applies the pushes it lacks, and serves it.
    fn follow_generation(&mut self) -> Result<(), UpdateError> {
        let current = self.store.current_name()?;
        if self.delta.is_some() && current.as_deref() == self.delta.as_ref().map(Delta::generation)
        {
            return Ok(());
        }
        // Holds the acceptor: the pushes read here and the pages accepted writes are checked
        // against stay the same.
        let shared = self.acceptor.clone();
        let mut acceptor = shared.lock().map_err(|_| UpdateError::Poisoned)?;
        let mut delta = Delta::open(
            &self.store,
            self.model.as_ref(),
            &self.config.engine,
            self.config.profile,
        )?;
        let lacking = delta.missing(&acceptor.pushed.load()?);
        if !lacking.is_empty() {
            tracing::info!(
                pages = lacking.len(),
                "applying pushed pages the generation lacks"
            );
            delta.apply(&lacking, &mut self.tools())?;
        }
        let engine = delta.engine(&self.live.get())?;
        acceptor.desired = delta.pages().clone();
        self.live.publish(Arc::new(engine));
        tracing::info!(
            generation = delta.generation(),
            "writes go to this generation"
        );
        self.delta = Some(delta);
        self.report_points();
        Ok(())
    }

    fn tools(&mut self) -> Tools<'_> {
        Tools {
            model: self.model.as_ref(),
            cache: &mut self.cache,
            counter: &self.counter,
            read: &self.config.read,
            batch_size: self.config.build.batch_size,
        }
    }

    /// Applies queued batches, the last change of each page winning, as one update.
    fn index(&mut self, batches: Vec<Batch>) {
        let ids: Vec<u64> = batches.iter().map(|b| b.task).collect();
        self.tasks.update(&ids, TaskStatus::Processing, None, None);
        let mut last: BTreeMap<String, Change> = BTreeMap::new();
        for change in batches.into_iter().flat_map(|b| b.changes) {
            last.insert(change.id.clone(), change);
        }
        let changes: Vec<Change> = last.into_values().collect();
        let started = Instant::now();
        match self.apply(&changes) {
            Ok(generation) => {
                let took = started.elapsed();
                metrics::histogram!("landscape_update_seconds").record(took.as_secs_f64());
                tracing::info!(pages = changes.len(), %generation, ms = took.as_millis() as u64, "pushed pages are searchable");
                self.tasks
                    .update(&ids, TaskStatus::Succeeded, None, Some(&generation));
            }
            Err(e) => {
                tracing::error!(error = %e, "pushed pages not indexed");
                // The writes are durable; the next generation opened applies them.
                self.delta = None;
                self.tasks
                    .update(&ids, TaskStatus::Failed, Some(&e.to_string()), None);
            }
        }
        self.report_points();
    }

    fn apply(&mut self, changes: &[Change]) -> Result<String, UpdateError> {
        if self.delta.is_none() {
            self.follow_generation()?;
        }
        let mut delta = self.delta.take().ok_or(UpdateError::NoGeneration)?;
        let applied = delta
            .apply(changes, &mut self.tools())
            .and_then(|()| delta.engine(&self.live.get()));
        let engine = applied?;
        let generation = engine.generation().to_string();
        self.live.publish(Arc::new(engine));
        self.delta = Some(delta);
        Ok(generation)
    }

    fn report_points(&self) {
        let (dead, fresh) = self.delta.as_ref().map_or((0, 0), Delta::points);
        metrics::gauge!("landscape_dead_points").set(dead as f64);
        metrics::gauge!("landscape_unindexed_points").set(fresh as f64);
    }

    /// Starts building a fresh generation from the folder with the pushed pages over it when
    /// enough points changed. The build runs beside the writer, which keeps applying writes
    /// to the current generation; once the build is live, [`Indexer::follow_generation`]
    /// moves to it and applies the pushes it lacks.
    fn compact_if_due(&mut self) {
        if self.compaction.as_ref().is_some_and(|c| c.is_finished()) {
            self.compaction_done();
        }
        let due = self
            .delta
            .as_ref()
            .is_some_and(|d| d.churn() >= self.config.compact_at && d.churn() > 0.0);
        let resting = self
            .compaction_failed
            .is_some_and(|t| t.elapsed() < COMPACTION_BACKOFF);
        if !due || resting || self.compaction.is_some() {
            return;
        }
        tracing::info!("compacting: building a fresh generation");
        metrics::gauge!("landscape_compaction_running").set(1.0);
        let (store, model, counter) =
            (self.store.clone(), self.model.clone(), self.counter.clone());
        let config = self.config.clone();
        let started = Instant::now();
        let build = move || {
            let corpus = indexer::load_corpus(&store, &config.corpus_dir, &config.read)?;
            let report = indexer::build(
                &store,
                &corpus,
                model.as_ref(),
                &counter,
                &config.build,
                &mut |_, _| {},
            )?;
            Ok((report, started.elapsed()))
        };
        match std::thread::Builder::new()
            .name("landscape-compaction".into())
            .spawn(build)
        {
            Ok(handle) => self.compaction = Some(handle),
            Err(e) => {
                tracing::error!(error = %e, "compaction not started");
                metrics::gauge!("landscape_compaction_running").set(0.0);
                self.compaction_failed = Some(Instant::now());
            }
        }
    }

    /// Collects a finished compaction.
    fn compaction_done(&mut self) {
        let Some(handle) = self.compaction.take() else {
            return;
        };
        metrics::gauge!("landscape_compaction_running").set(0.0);
        match handle.join() {
            Ok(Ok((report, took))) => {
                metrics::histogram!("landscape_compaction_seconds").record(took.as_secs_f64());
                tracing::info!(generation = %report.manifest.generation, seconds = took.as_secs_f64(), "compacted");
                self.compaction_failed = None;
                // The build appended to the embedding cache file; read it again.
                match EmbeddingCache::open(&self.store.embeddings_dir(), self.model.identity()) {
                    Ok(cache) => self.cache = cache,
                    Err(e) => tracing::warn!(error = %e, "embedding cache not reloaded"),
                }
                if let Err(e) = self.follow_generation() {
                    tracing::error!(error = %e, "the compacted generation could not be opened");
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "compaction failed; updates keep being served");
                self.compaction_failed = Some(Instant::now());
            }
            Err(_) => {
                tracing::error!("the compaction thread panicked");
                self.compaction_failed = Some(Instant::now());
            }
        }
    }
}
