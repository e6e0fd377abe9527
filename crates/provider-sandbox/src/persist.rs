//! Keeps a sandbox's state file in step with its state: a background thread writes it (to a
//! temporary file, then renamed) shortly after each change, so a burst of requests costs one
//! write, not one per request. Shared by every sandbox (this crate's Google and Graph, and Zoom's).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How long the writer waits after a change before writing, to batch a burst of changes.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// What owns a persisted state: the writer thread reaches the state and its persister through it.
pub trait Persisted: Send + Sync + 'static {
    type Data: Serialize;
    fn persister(&self) -> Option<&Persister>;
    fn data(&self) -> &Mutex<Self::Data>;
}

pub struct Persister {
    path: PathBuf,
    /// Names the sandbox in the writer thread's name and in warnings.
    label: &'static str,
    dirty: Arc<(Mutex<bool>, Condvar)>,
    save_lock: Mutex<()>,
}

impl Persister {
    pub fn new(path: &Path, label: &'static str) -> Persister {
        Persister {
            path: path.to_path_buf(),
            label,
            dirty: Arc::new((Mutex::new(false), Condvar::new())),
            save_lock: Mutex::new(()),
        }
    }

    /// The state in `path`, `None` when there is no file yet.
    pub fn load<D: DeserializeOwned>(path: &Path) -> anyhow::Result<Option<D>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading sandbox state {}", path.display()))
                .map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn mark_dirty(&self) {
        let (flag, cv) = &*self.dirty;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_one();
    }

    /// Starts the writer thread. It holds only a weak reference, so dropping the last handle
    /// ends it (and the owner's drop calls [`Persister::save_if_dirty`]).
    pub fn start<S: Persisted>(&self, owner: Weak<S>) {
        let dirty = self.dirty.clone();
        std::thread::Builder::new()
            .name(format!("{}-persist", self.label))
            .spawn(move || writer_loop(dirty, owner))
            .expect("spawning the sandbox state writer");
    }

    /// Serialises under the data lock, writes outside it. A save lock keeps two writers from
    /// racing an older snapshot over a newer one.
    pub fn save<D: Serialize>(&self, data: &Mutex<D>) -> anyhow::Result<()> {
        let _guard = self.save_lock.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = {
            let data = data.lock().unwrap_or_else(|e| e.into_inner());
            *self.dirty.0.lock().unwrap_or_else(|e| e.into_inner()) = false;
            serde_json::to_vec(&*data)?
        };
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), self.path.display()))
    }

    /// Writes what is still unsaved (when the sandbox goes away); a failure is logged.
    pub fn save_if_dirty<D: Serialize>(&self, data: &Mutex<D>) {
        if self.is_dirty() {
            self.save_logged(data);
        }
    }

    fn save_logged<D: Serialize>(&self, data: &Mutex<D>) {
        if let Err(e) = self.save(data) {
            tracing::warn!(error = %e, sandbox = self.label, "saving the sandbox state failed");
        }
    }

    fn is_dirty(&self) -> bool {
        *self.dirty.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn writer_loop<S: Persisted>(dirty: Arc<(Mutex<bool>, Condvar)>, owner: Weak<S>) {
    let (flag, cv) = &*dirty;
    loop {
        {
            let mut is_dirty = flag.lock().unwrap_or_else(|e| e.into_inner());
            while !*is_dirty {
                // Wake up now and then to notice that the sandbox is gone.
                let (guard, _) = cv.wait_timeout(is_dirty, Duration::from_secs(1)).unwrap_or_else(|e| e.into_inner());
                is_dirty = guard;
                if owner.strong_count() == 0 {
                    return;
                }
            }
        }
        std::thread::sleep(DEBOUNCE);
        let Some(owner) = owner.upgrade() else { return };
        if let Some(p) = owner.persister() {
            p.save_logged(owner.data());
        }
    }
}
