//! The engine a running service answers from, replaced between requests when a new
//! generation goes live in the index folder (written by `landscape index`, or by another
//! server), without a restart.
//!
//! A request takes the engine that is current when it starts (an `Arc` clone) and finishes on
//! it even if a swap happens meanwhile; the old engine, and its lease on the old generation's
//! files ([`crate::store::Store::lease`]), go away when the last such request is done. A new
//! generation that cannot be opened (a broken or half-copied folder) is logged and never
//! served: the current one stays.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::embed::Embed;
use crate::engine::{Engine, EngineConfig, EngineError};
use crate::store::Store;

/// How often a server looks at the index folder's `CURRENT` pointer.
pub const RELOAD_EVERY: Duration = Duration::from_millis(500);

/// Where to open the next generation from.
struct Source {
    store: Store,
    model: Arc<dyn Embed>,
    config: EngineConfig,
}

/// The engine being served, and how to open its successor.
pub struct LiveEngine {
    current: RwLock<Arc<Engine>>,
    source: Option<Source>,
    /// The last generation that failed to open: tried again only when `CURRENT` moves on.
    failed: std::sync::Mutex<Option<String>>,
}

impl LiveEngine {
    /// An engine that is never replaced (tests, and engines assembled from other backends).
    pub fn fixed(engine: Arc<Engine>) -> LiveEngine {
        LiveEngine {
            current: RwLock::new(engine),
            source: None,
            failed: Default::default(),
        }
    }

    /// An engine over `store`'s live generation, replaced by [`LiveEngine::reload`] when
    /// another goes live.
    pub fn watching(
        engine: Arc<Engine>,
        store: Store,
        model: Arc<dyn Embed>,
        config: EngineConfig,
    ) -> LiveEngine {
        LiveEngine {
            current: RwLock::new(engine),
            source: Some(Source {
                store,
                model,
                config,
            }),
            failed: Default::default(),
        }
    }

    /// The engine to answer one request with.
    pub fn get(&self) -> Arc<Engine> {
        match self.current.read() {
            Ok(engine) => engine.clone(),
            // A panic while swapping cannot leave a half-written Arc; serve what is there.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serves `engine` from now on (the writer's updates, [`crate::update`]).
    pub fn publish(&self, engine: Arc<Engine>) {
        match self.current.write() {
            Ok(mut current) => *current = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// Opens the generation `CURRENT` names if it is not the one served, and swaps it in.
    /// Returns the new generation's name when it swapped. Opening happens outside the lock:
    /// requests keep being answered by the current engine meanwhile.
    pub fn reload(&self) -> Result<Option<String>, EngineError> {
        let Some(source) = &self.source else {
            return Ok(None);
        };
        let Some(name) = source.store.current_name()? else {
            return Ok(None);
        };
        let failed = |f: &Option<String>| f.as_deref() == Some(name.as_str());
        if name == self.get().generation() || self.failed.lock().is_ok_and(|f| failed(&f)) {
            return Ok(None);
        }
        let engine = match Engine::open(&source.store, source.model.clone(), source.config) {
            Ok(engine) => engine,
            Err(e) => {
                if let Ok(mut f) = self.failed.lock() {
                    *f = Some(name);
                }
                return Err(e);
            }
        };
        let generation = engine.generation().to_string();
        match self.current.write() {
            Ok(mut current) => *current = Arc::new(engine),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(engine),
        }
        Ok(Some(generation))
    }
}

/// Reloads every [`RELOAD_EVERY`] until `stop` is set, off the async workers (opening a
/// generation reads files and loads the HNSW graph).
pub async fn watch(live: Arc<LiveEngine>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(RELOAD_EVERY) => {}
            _ = stop.changed() => return,
        }
        let live = live.clone();
        match tokio::task::spawn_blocking(move || live.reload()).await {
            Ok(Ok(Some(generation))) => tracing::info!(%generation, "now serving"),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "new generation not served"),
            Err(e) => tracing::error!(error = %e, "reload task failed"),
        }
    }
}
