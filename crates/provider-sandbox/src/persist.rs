//! Keeps the state file in step with the state: a background thread writes it (temp file + rename)
//! shortly after each change, so a burst of requests costs one write, not one per request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use anyhow::Context;

use crate::Inner;
use crate::state::Data;

/// How long the writer waits after a change before writing, to batch a burst of changes.
const DEBOUNCE: Duration = Duration::from_millis(50);

pub(crate) struct Persister {
    path: PathBuf,
    dirty: Arc<(Mutex<bool>, Condvar)>,
    save_lock: Mutex<()>,
}

impl Persister {
    pub fn new(path: &Path) -> Persister {
        Persister {
            path: path.to_path_buf(),
            dirty: Arc::new((Mutex::new(false), Condvar::new())),
            save_lock: Mutex::new(()),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Option<Data>> {
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

    /// Starts the writer thread. It holds only a weak reference, so dropping the last `Sandbox`
    /// ends it (and `Inner`'s drop writes whatever is still unsaved).
    pub fn start(&self, inner: Weak<Inner>) {
        let dirty = self.dirty.clone();
        std::thread::Builder::new()
            .name("provider-sandbox-persist".into())
            .spawn(move || writer_loop(dirty, inner))
            .expect("spawning the sandbox state writer");
    }

    /// Serialises under the data lock, writes outside it. A save lock keeps two writers from
    /// racing an older snapshot over a newer one.
    pub fn save(&self, data: &Mutex<Data>) -> anyhow::Result<()> {
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

    pub fn is_dirty(&self) -> bool {
        *self.dirty.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn writer_loop(dirty: Arc<(Mutex<bool>, Condvar)>, inner: Weak<Inner>) {
    let (flag, cv) = &*dirty;
    loop {
        {
            let mut is_dirty = flag.lock().unwrap_or_else(|e| e.into_inner());
            while !*is_dirty {
                // Wake up now and then to notice that the sandbox is gone.
                let (guard, _) = cv.wait_timeout(is_dirty, Duration::from_secs(1)).unwrap_or_else(|e| e.into_inner());
                is_dirty = guard;
                if inner.strong_count() == 0 {
                    return;
                }
            }
        }
        std::thread::sleep(DEBOUNCE);
        let Some(inner) = inner.upgrade() else { return };
        if let Some(p) = &inner.persist
            && let Err(e) = p.save(&inner.data)
        {
            tracing::warn!(error = %e, "saving the provider sandbox state failed");
        }
    }
}
