//! Where pushed pages live: `index/pushed/`, next to the generations, never in the corpus
//! folder (which stays the owner's, under git or not).
//!
//! ```text
//! index/pushed/
//!   pages/<id>.md       each pushed page's source, in the corpus format
//!   removed/<id>        a page removed through the API (hides a folder page of that id)
//!   journal/<n>.json    a batch acknowledged but not yet copied into pages/ and removed/
//! ```
//!
//! A batch is durable before it is acknowledged: it is written to a journal file, fsynced,
//! renamed into place (the commit point), and the folder fsynced. Only then are its pages
//! copied to `pages/` and `removed/` (each by write, fsync, rename) and the journal file
//! deleted. A crash before the rename leaves nothing of the batch; after it, opening the store
//! rolls the journal forward, so a batch is always all there or not there at all.
//!
//! Every build reads the folder with these pages over it ([`crate::corpus::Corpus::load_overlaid`]).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

#[cfg(test)]
use crate::corpus::fingerprint;
use crate::corpus::Change;

const PAGES: &str = "pages";
const REMOVED: &str = "removed";
const JOURNAL: &str = "journal";

#[derive(Debug, thiserror::Error)]
pub enum PushedError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: a journal file that is not a batch: {message}")]
    Journal { path: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PushedError + '_ {
    move |source| PushedError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The pushed pages of one index folder.
#[derive(Debug, Clone)]
pub struct PushedPages {
    dir: PathBuf,
}

impl PushedPages {
    /// The store in `index_dir/pushed`, with any batch a crash left in the journal completed.
    pub fn open(index_dir: &Path) -> Result<PushedPages, PushedError> {
        let dir = index_dir.join("pushed");
        for sub in [PAGES, REMOVED, JOURNAL] {
            let d = dir.join(sub);
            fs::create_dir_all(&d).map_err(io(&d))?;
        }
        let store = PushedPages { dir };
        store.roll_forward()?;
        Ok(store)
    }

    /// The store in `index_dir/pushed` if anything was ever pushed there, for readers that must
    /// not create it (a build).
    pub fn existing(index_dir: &Path) -> Result<Option<PushedPages>, PushedError> {
        if index_dir.join("pushed").is_dir() {
            PushedPages::open(index_dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The folder of pushed page sources (`pages/<id>.md`).
    pub fn pages_dir(&self) -> PathBuf {
        self.dir.join(PAGES)
    }

    /// Every pushed page and removal, by id.
    pub fn load(&self) -> Result<Vec<Change>, PushedError> {
        let mut out = BTreeMap::new();
        for (id, path) in files_below(&self.dir.join(REMOVED), "")? {
            let _ = path;
            out.insert(id, None);
        }
        for (id, path) in files_below(&self.dir.join(PAGES), ".md")? {
            let text = fs::read_to_string(&path).map_err(io(&path))?;
            out.insert(id, Some(text));
        }
        Ok(out
            .into_iter()
            .map(|(id, source)| Change { id, source })
            .collect())
    }

    /// Makes `changes` durable as one batch (see the module's comment). Returns when a crash
    /// can no longer lose them.
    pub fn commit(&self, batch: u64, changes: &[Change]) -> Result<(), PushedError> {
        let journal = self.dir.join(JOURNAL);
        let path = journal.join(format!("{batch:020}.json"));
        let json = serde_json::to_vec(changes).map_err(|e| PushedError::Journal {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_durably(&path, &json)?;
        self.apply(changes)?;
        fs::remove_file(&path).map_err(io(&path))?;
        Ok(())
    }

    /// Copies a committed batch's changes into `pages/` and `removed/`. Each file is
    /// fsynced before its rename (several at once: an fsync waits on the disk, not the CPU),
    /// and each folder touched once at the end, before the journal file may go.
    fn apply(&self, changes: &[Change]) -> Result<(), PushedError> {
        let threads = changes.len().clamp(1, 8);
        let per_thread = changes.len().div_ceil(threads).max(1);
        let dirs = std::thread::scope(|scope| {
            let workers: Vec<_> = changes
                .chunks(per_thread)
                .map(|group| scope.spawn(move || self.apply_group(group)))
                .collect();
            let mut dirs = std::collections::BTreeSet::new();
            for worker in workers {
                let touched = worker.join().unwrap_or_else(|_| {
                    Err(PushedError::Journal {
                        path: self.dir.clone(),
                        message: "a writing thread panicked".into(),
                    })
                })?;
                dirs.extend(touched);
            }
            Ok::<_, PushedError>(dirs)
        })?;
        for dir in dirs {
            File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(io(&dir))?;
        }
        Ok(())
    }

    /// Writes (or removes) the files of `changes`; returns the folders whose entries changed.
    fn apply_group(&self, changes: &[Change]) -> Result<Vec<PathBuf>, PushedError> {
        let mut dirs = Vec::new();
        for change in changes {
            let page = self.dir.join(PAGES).join(format!("{}.md", change.id));
            let removed = self.dir.join(REMOVED).join(&change.id);
            let (write, gone, bytes) = match &change.source {
                Some(source) => (&page, &removed, source.as_bytes()),
                None => (&removed, &page, &b""[..]),
            };
            dirs.push(write_synced_file(write, bytes)?);
            if remove_if_there(gone)? {
                dirs.extend(gone.parent().map(Path::to_path_buf));
            }
        }
        Ok(dirs)
    }

    /// Completes the batches a crash left in the journal, oldest first.
    fn roll_forward(&self) -> Result<(), PushedError> {
        let journal = self.dir.join(JOURNAL);
        let mut files: Vec<PathBuf> = fs::read_dir(&journal)
            .map_err(io(&journal))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for path in files {
            if path.extension().is_none_or(|e| e != "json") {
                // A journal file that never reached its rename: not committed.
                fs::remove_file(&path).map_err(io(&path))?;
                continue;
            }
            let bytes = fs::read(&path).map_err(io(&path))?;
            let changes: Vec<Change> =
                serde_json::from_slice(&bytes).map_err(|e| PushedError::Journal {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            tracing::info!(batch = %path.display(), "completing a batch a crash interrupted");
            self.apply(&changes)?;
            fs::remove_file(&path).map_err(io(&path))?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` so that after a crash the file is either absent (or as before)
/// or whole: a temporary file, fsynced, renamed, and the folder fsynced.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), PushedError> {
    let dir = write_synced_file(path, bytes)?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(&dir))
}

/// [`write_durably`] but the folder's fsync, which is left to the caller; returns the folder.
fn write_synced_file(path: &Path, bytes: &[u8]) -> Result<PathBuf, PushedError> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    fs::create_dir_all(&dir).map_err(io(&dir))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{}.tmp", name.unwrap_or_default()));
    let mut file = File::create(&tmp).map_err(io(&tmp))?;
    file.write_all(bytes).map_err(io(&tmp))?;
    file.sync_data().map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    Ok(dir)
}

/// Removes `path` if it exists; whether it did (its folder then needs an fsync).
fn remove_if_there(path: &Path) -> Result<bool, PushedError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(path)(e)),
    }
}

/// Files below `root` whose names end in `suffix` (temporary files left out), as (id, path):
/// the id is the path relative to `root` without the suffix.
fn files_below(root: &Path, suffix: &str) -> Result<Vec<(String, PathBuf)>, PushedError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.as_deref().is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().into_owned();
            if let Some(id) = rel.strip_suffix(suffix) {
                out.push((id.to_string(), path.clone()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(id: &str, source: &str) -> Change {
        Change {
            id: id.into(),
            source: Some(source.into()),
        }
    }

    #[test]
    fn batches_survive_reopening_and_removals_replace_pages() {
        let dir = tempfile::tempdir().unwrap();
        let store = PushedPages::open(dir.path()).unwrap();
        store
            .commit(1, &[put("a", "A"), put("docs/b", "B")])
            .unwrap();
        store
            .commit(
                2,
                &[Change {
                    id: "a".into(),
                    source: None,
                }],
            )
            .unwrap();
        let loaded = PushedPages::open(dir.path()).unwrap().load().unwrap();
        assert_eq!(
            loaded,
            vec![
                Change {
                    id: "a".into(),
                    source: None
                },
                put("docs/b", "B")
            ]
        );
    }

    #[test]
    fn a_journal_left_by_a_crash_is_completed_and_a_torn_one_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = PushedPages::open(dir.path()).unwrap();
        let journal = dir.path().join("pushed/journal");
        // Committed (renamed into place) but not yet applied when the process died.
        fs::write(
            journal.join("00000000000000000007.json"),
            serde_json::to_vec(&[put("x", "X")]).unwrap(),
        )
        .unwrap();
        // Never renamed: not acknowledged, so not applied.
        fs::write(journal.join(".00000000000000000008.json.tmp"), b"[{\"id\"").unwrap();
        drop(store);
        let store = PushedPages::open(dir.path()).unwrap();
        assert_eq!(store.load().unwrap(), vec![put("x", "X")]);
        assert_eq!(fs::read_dir(&journal).unwrap().count(), 0);
        let print = fingerprint(&store.load().unwrap());
        assert_eq!(print.len(), 1);
        assert!(print["x"].as_ref().is_some_and(|h| h.len() == 64));
    }
}
