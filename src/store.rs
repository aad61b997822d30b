//! The index store: numbered generations and one pointer to the live one.
//!
//! ```text
//! index/
//!   CURRENT            name of the live generation, replaced by write-then-rename
//!   .lock              held by the one build running
//!   gen-000007/        manifest.json, keyword/, vectors.hnsw.*, chunks.json, pages.json
//!   embeddings/        the embedding cache, shared by generations
//! ```
//!
//! A build writes a whole new generation, writes its manifest last, and only then flips
//! `CURRENT` with an atomic rename. A build that dies at any point leaves `CURRENT` naming the
//! previous, complete generation, which keeps serving; the next build sweeps the debris.
//! Opening a generation checks its manifest (format, model) and the sha256 of every file it
//! lists, so a damaged index is refused with a message instead of being served half-read.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::chunk::ChunkParams;
use crate::embed::ModelIdentity;
use crate::keyword::KeywordParams;
use crate::vector::HnswParams;

/// Bumped whenever the on-disk layout changes; an index of another format is rebuilt.
pub const FORMAT_VERSION: u32 = 7;
/// The chunk table of a generation: chunk id (position) → page, section, text.
pub const CHUNKS_FILE: &str = "chunks.json";
/// The validated pages of a generation.
pub const PAGES_FILE: &str = "pages.json";
/// The tantivy folder of a generation.
pub const KEYWORD_DIR: &str = "keyword";
const CURRENT: &str = "CURRENT";
const MANIFEST: &str = "manifest.json";
const LOCK: &str = ".lock";
const GEN_PREFIX: &str = "gen-";

/// What a generation was built from and with, and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub generation: String,
    /// Seconds since the Unix epoch.
    pub created_unix: u64,
    pub corpus_hash: String,
    pub model: ModelIdentity,
    pub chunker: ChunkParams,
    /// Keyword index layout; absent in manifests written before it existed.
    #[serde(default)]
    pub keyword: KeywordParams,
    pub hnsw: HnswParams,
    /// Whether the generation has a vector index (false: built `--keyword-only`).
    #[serde(default = "semantic_by_default")]
    pub semantic: bool,
    pub pages: usize,
    pub chunks: usize,
    /// The pages pushed through the write API that the build read over the corpus folder
    /// (id → sha256 of the source, or null for a removal): the writer applies the pushes a
    /// generation lacks on top of it.
    #[serde(default)]
    pub pushed: crate::corpus::Fingerprint,
    /// Every file of the generation (relative path → sha256).
    pub files: BTreeMap<String, String>,
}

fn semantic_by_default() -> bool {
    true
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no index in {0}: run `landscape index` to build one")]
    NoIndex(PathBuf),
    #[error(
        "index generation {generation} is damaged: {problem}; run `landscape index` to rebuild"
    )]
    Corrupt { generation: String, problem: String },
    #[error("index generation {generation} was built with {what} {found}, this binary uses {expected}; run `landscape index` to rebuild")]
    Mismatch {
        generation: String,
        what: &'static str,
        found: String,
        expected: String,
    },
    #[error("another build holds {0}; wait for it to finish")]
    Locked(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The `index/` folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the embedding cache lives.
    pub fn embeddings_dir(&self) -> PathBuf {
        self.root.join("embeddings")
    }

    /// The live generation's folder name, if any.
    pub fn current_name(&self) -> Result<Option<String>, StoreError> {
        let path = self.root.join(CURRENT);
        match fs::read_to_string(&path) {
            Ok(name) => Ok(Some(name.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The live generation's manifest, without verifying files (cheap: for "is it up to date?").
    pub fn current_manifest(&self) -> Result<Option<Manifest>, StoreError> {
        let Some(name) = self.current_name()? else {
            return Ok(None);
        };
        read_manifest(&self.root.join(&name), &name).map(Some)
    }

    /// Opens the live generation for reading: the manifest must match `model` and the format,
    /// and every listed file must be present with its recorded checksum.
    pub fn open_current(&self, model: &ModelIdentity) -> Result<Generation, StoreError> {
        let name = self
            .current_name()?
            .ok_or_else(|| StoreError::NoIndex(self.root.clone()))?;
        let dir = self.root.join(&name);
        let manifest = read_manifest(&dir, &name)?;
        let mismatch = |what, found: String, expected: String| StoreError::Mismatch {
            generation: name.clone(),
            what,
            found,
            expected,
        };
        if manifest.format_version != FORMAT_VERSION {
            return Err(mismatch(
                "index format",
                manifest.format_version.to_string(),
                FORMAT_VERSION.to_string(),
            ));
        }
        if manifest.model != *model {
            return Err(mismatch(
                "model",
                format!("{} ({})", manifest.model.id, short(&manifest.model.sha256)),
                format!("{} ({})", model.id, short(&model.sha256)),
            ));
        }
        for (file, expected) in &manifest.files {
            let path = dir.join(file);
            let found = sha256_file(&path).map_err(|e| StoreError::Corrupt {
                generation: name.clone(),
                problem: format!("{file}: {e}"),
            })?;
            if &found != expected {
                return Err(StoreError::Corrupt {
                    generation: name.clone(),
                    problem: format!(
                        "{file} has checksum {}, expected {}",
                        short(&found),
                        short(expected)
                    ),
                });
            }
        }
        Ok(Generation { dir, manifest })
    }

    /// Starts a build: takes the build lock and creates an empty generation folder.
    pub fn begin_build(&self) -> Result<Build, StoreError> {
        fs::create_dir_all(&self.root).map_err(io(&self.root))?;
        let lock_path = self.root.join(LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(lock_path)),
            Err(fs::TryLockError::Error(e)) => return Err(io(&lock_path)(e)),
        }
        let next = self.generations()?.last().map_or(0, |(n, _)| *n) + 1;
        let name = format!("{GEN_PREFIX}{next:06}");
        let dir = self.root.join(&name);
        fs::create_dir(&dir).map_err(io(&dir))?;
        Ok(Build {
            root: self.root.clone(),
            name,
            dir,
            _lock: lock,
        })
    }

    /// Generation folders by number, oldest first.
    fn generations(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.root).map_err(io(&self.root))? {
            let entry = entry.map_err(io(&self.root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(n) = name.strip_prefix(GEN_PREFIX).and_then(|n| n.parse().ok()) {
                out.push((n, name));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Claims `generation` for a reader (a server that has it loaded) until the lease drops:
    /// sweeping leaves a leased generation's files alone, so a server that has not yet
    /// switched to the new generation never loses the one it serves.
    pub fn lease(&self, generation: &str) -> Result<Lease, StoreError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let dir = self.root.join(generation).join(READERS);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{}.{n}", std::process::id()));
        fs::write(&path, b"").map_err(io(&path))?;
        Ok(Lease { path })
    }

    /// Removes generations that are neither live nor the newest complete one before it (kept
    /// so that an operator can roll back by hand) nor leased by a running reader
    /// ([`Store::lease`]). Runs under the build lock, after a commit.
    fn sweep(&self, current: Option<&str>) -> Result<(), StoreError> {
        let gens = self.generations()?;
        let current_n = gens
            .iter()
            .find(|(_, name)| Some(name.as_str()) == current)
            .map(|(n, _)| *n);
        let previous = gens
            .iter()
            .filter(|(n, name)| {
                current_n.is_some_and(|c| *n < c) && self.root.join(name).join(MANIFEST).exists()
            })
            .map(|(_, name)| name.clone())
            .next_back();
        for (_, name) in gens {
            if Some(name.as_str()) == current || Some(&name) == previous.as_ref() {
                continue;
            }
            let dir = self.root.join(&name);
            if has_live_readers(&dir) {
                tracing::info!(generation = %name, "kept: a running server still reads it");
                continue;
            }
            tracing::info!(generation = %name, "removing old or unfinished generation");
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        Ok(())
    }
}

/// Where a generation's readers leave their leases: one empty file per lease, named
/// `<pid>.<n>`.
const READERS: &str = "readers";

/// A reader's claim on a generation ([`Store::lease`]); released on drop.
#[derive(Debug)]
pub struct Lease {
    path: PathBuf,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether a live process holds a lease on the generation in `dir`. Leases of processes that
/// died (killed before they could drop them) are removed and do not count.
fn has_live_readers(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir.join(READERS)) else {
        return false;
    };
    let mut live = false;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.split('.').next().unwrap_or_default();
        if !pid.is_empty() && Path::new("/proc").join(pid).exists() {
            live = true;
        } else {
            let _ = fs::remove_file(entry.path());
        }
    }
    live
}

/// A generation folder that passed verification.
#[derive(Debug, Clone)]
pub struct Generation {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// A build in progress: holds the lock until committed or dropped. Dropping it without
/// committing leaves `CURRENT` untouched.
pub struct Build {
    root: PathBuf,
    name: String,
    dir: PathBuf,
    _lock: File,
}

impl Build {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checksums every file, writes the manifest, and makes this generation live.
    pub fn commit(self, mut manifest: Manifest) -> Result<Manifest, StoreError> {
        manifest.format_version = FORMAT_VERSION;
        manifest.generation = self.name.clone();
        manifest.files = checksum_tree(&self.dir)?;
        let path = self.dir.join(MANIFEST);
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| StoreError::Corrupt {
            generation: self.name.clone(),
            problem: e.to_string(),
        })?;
        write_synced(&path, &json)?;
        sync_dir(&self.dir)?;
        let tmp = self.root.join(format!("{CURRENT}.tmp"));
        write_synced(&tmp, self.name.as_bytes())?;
        let current = self.root.join(CURRENT);
        fs::rename(&tmp, &current).map_err(io(&current))?;
        sync_dir(&self.root)?;
        // Still under the lock: clear out older generations and debris of killed builds.
        Store::new(&self.root).sweep(Some(&self.name))?;
        Ok(manifest)
    }
}

fn read_manifest(dir: &Path, name: &str) -> Result<Manifest, StoreError> {
    let path = dir.join(MANIFEST);
    let bytes = fs::read(&path).map_err(|e| StoreError::Corrupt {
        generation: name.to_string(),
        problem: format!("{MANIFEST}: {e}"),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        generation: name.to_string(),
        problem: format!("{MANIFEST}: {e}"),
    })
}

fn checksum_tree(dir: &Path) -> Result<BTreeMap<String, String>, StoreError> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            // tantivy's lock files come and go; they are not index content.
            if rel.ends_with(".lock") || rel == MANIFEST {
                continue;
            }
            out.insert(rel, sha256_file(&path).map_err(io(&path))?);
        }
    }
    Ok(out)
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Writes `value` as JSON into `dir/name`; the generation files the store does not know about
/// (chunk table, pages) use it.
pub fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<(), StoreError> {
    let path = dir.join(name);
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    write_synced(&path, &bytes)
}

pub fn read_json<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<T, StoreError> {
    let path = dir.join(name);
    let bytes = fs::read(&path).map_err(io(&path))?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::Io {
        path,
        source: std::io::Error::other(e),
    })
}
