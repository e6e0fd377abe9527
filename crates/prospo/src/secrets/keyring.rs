//! The keyring: several keys, each with a numeric id; the last one seals, all of them open.
//!
//! Text form (file or `PROSPO_SECRET_KEYS`): entries `ID:BASE64URL_KEY` separated by whitespace or
//! commas, oldest first. Key material is zeroised on drop and never printed by `Debug`.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use zeroize::Zeroizing;

pub const KEY_LEN: usize = 32;

pub(super) struct Key {
    pub(super) id: u32,
    pub(super) bytes: Zeroizing<[u8; KEY_LEN]>,
}

pub struct Keyring {
    keys: Vec<Key>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<u32> = self.keys.iter().map(|k| k.id).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish_non_exhaustive()
    }
}

/// Where the keyring comes from, in the order the contract gives.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `PROSPO_SECRET_KEYS`: the keyring itself, in text form.
    Env,
    /// `PROSPO_SECRET_KEYS_FILE`, or the generated `DATA_DIR/secret.keys`.
    File { path: PathBuf, create_if_missing: bool },
}

impl KeySource {
    pub fn from_env(data_dir: &Path) -> KeySource {
        if std::env::var_os("PROSPO_SECRET_KEYS").is_some() {
            KeySource::Env
        } else if let Some(path) = std::env::var_os("PROSPO_SECRET_KEYS_FILE") {
            KeySource::File { path: path.into(), create_if_missing: false }
        } else {
            KeySource::File { path: data_dir.join("secret.keys"), create_if_missing: true }
        }
    }

    pub fn load(&self) -> anyhow::Result<Keyring> {
        match self {
            KeySource::Env => {
                let text = Zeroizing::new(
                    std::env::var("PROSPO_SECRET_KEYS").context("PROSPO_SECRET_KEYS is not valid UTF-8")?,
                );
                Keyring::parse(&text).context("PROSPO_SECRET_KEYS")
            }
            KeySource::File { path, create_if_missing } => {
                if !path.exists() && *create_if_missing {
                    let keyring = Keyring::generate();
                    write_private_file(path, &keyring.to_text())?;
                    tracing::info!(path = %path.display(), "generated a new secret keyring");
                    return Ok(keyring);
                }
                let text = Zeroizing::new(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read the keyring {}", path.display()))?,
                );
                Keyring::parse(&text).with_context(|| format!("keyring {}", path.display()))
            }
        }
    }

    /// Stores a keyring where it came from. Keys given in the environment cannot be rewritten.
    pub fn store(&self, keyring: &Keyring) -> anyhow::Result<()> {
        match self {
            KeySource::Env => bail!(
                "the keyring comes from PROSPO_SECRET_KEYS, which Prospo cannot rewrite: \
                 use PROSPO_SECRET_KEYS_FILE (or the default DATA_DIR/secret.keys) to rotate keys"
            ),
            KeySource::File { path, .. } => write_private_file(path, &keyring.to_text()),
        }
    }
}

impl Keyring {
    pub fn generate() -> Keyring {
        Keyring { keys: vec![random_key(1)] }
    }

    pub fn parse(text: &str) -> anyhow::Result<Keyring> {
        let mut keys = Vec::new();
        for entry in text.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()) {
            let (id, encoded) = entry.split_once(':').context("each key is written ID:BASE64URL_KEY")?;
            let id: u32 = id.parse().context("a key id is a whole number")?;
            let raw = Zeroizing::new(URL_SAFE_NO_PAD.decode(encoded).context("a key is unpadded base64url")?);
            let bytes: [u8; KEY_LEN] =
                raw.as_slice().try_into().map_err(|_| anyhow::anyhow!("key {id} is not {KEY_LEN} bytes"))?;
            if keys.iter().any(|k: &Key| k.id == id) {
                bail!("key id {id} appears twice");
            }
            keys.push(Key { id, bytes: Zeroizing::new(bytes) });
        }
        if keys.is_empty() {
            bail!("the keyring holds no key");
        }
        Ok(Keyring { keys })
    }

    pub fn to_text(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::new());
        for key in &self.keys {
            out.push_str(&format!("{}:{}\n", key.id, URL_SAFE_NO_PAD.encode(key.bytes.as_slice())));
        }
        out
    }

    /// This keyring plus a fresh key that becomes the one that seals.
    pub fn with_new_key(&self) -> Keyring {
        let next_id = self.keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        let mut keys: Vec<Key> = self.keys.iter().map(|k| Key { id: k.id, bytes: Zeroizing::new(*k.bytes) }).collect();
        keys.push(random_key(next_id));
        Keyring { keys }
    }

    pub(super) fn current(&self) -> &Key {
        self.keys.last().expect("a keyring always holds a key")
    }

    pub(super) fn by_id(&self, id: u32) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn current_id(&self) -> u32 {
        self.current().id
    }
}

fn random_key(id: u32) -> Key {
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    rand::rng().fill_bytes(bytes.as_mut_slice());
    Key { id, bytes }
}

/// Writes a file readable only by its owner, atomically (temp file, then rename).
fn write_private_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_and_the_new_key_seals() {
        let ring = Keyring::generate().with_new_key();
        let parsed = Keyring::parse(&ring.to_text()).unwrap();
        assert_eq!(parsed.current_id(), 2);
        assert_eq!(parsed.by_id(1).unwrap().bytes.as_slice(), ring.by_id(1).unwrap().bytes.as_slice());
    }

    #[test]
    fn malformed_keyrings_are_refused() {
        assert!(Keyring::parse("").is_err());
        assert!(Keyring::parse("1:short").is_err());
        assert!(Keyring::parse("x:AAAA").is_err());
        let key = URL_SAFE_NO_PAD.encode([7u8; KEY_LEN]);
        assert!(Keyring::parse(&format!("1:{key},1:{key}")).is_err());
        assert!(Keyring::parse(&format!("1:{key}, 2:{key}")).is_ok());
    }

    #[test]
    fn debug_shows_ids_but_no_key_material() {
        let ring = Keyring::generate();
        let text = ring.to_text();
        let encoded = text.trim().split_once(':').unwrap().1;
        let debug = format!("{ring:?}");
        assert!(debug.contains("key_ids"));
        assert!(!debug.contains(encoded));
    }

    #[test]
    fn generated_file_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let source = KeySource::File { path: dir.path().join("secret.keys"), create_if_missing: true };
        let first = source.load().unwrap();
        let mode = std::fs::metadata(dir.path().join("secret.keys")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = source.load().unwrap();
        assert_eq!(*first.to_text(), *second.to_text());
    }
}
