//! Named API keys: `keys.json` in the data directory (mode 0600, written atomically) holds each
//! key's name, limits and SHA-256 hash — never the key, which `keys add` prints once.
//!
//! Keys are 256 random bits from the operating system (two UUID v4s: the `uuid` crate reads
//! `getrandom`), so a fast hash is enough: there is nothing to brute-force. As soon as one
//! named key exists (or `--api-key` is set), every API route needs a key. The running server
//! notices `keys add` / `keys remove` within a second.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// File name in the data directory.
pub(crate) const FILE: &str = "keys.json";
/// Prefix of generated keys (makes them recognisable in a secret scanner).
pub(crate) const PREFIX: &str = "cpk-";

/// One named key, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct NamedKey {
    /// Name (shown in the ledger, metrics, `keys list`).
    pub(crate) name: String,
    /// SHA-256 of the key, hex.
    pub(crate) sha256: String,
    /// Requests per minute at most.
    #[serde(default)]
    pub(crate) rpm: Option<u32>,
    /// AI credits per day at most.
    #[serde(default)]
    pub(crate) daily_credits: Option<f64>,
    /// Unix milliseconds of creation.
    pub(crate) created_ms: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    keys: Vec<NamedKey>,
}

/// SHA-256 hex of a key.
pub(crate) fn hash(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the keys file (none: no keys).
pub(crate) fn load(path: &Path) -> anyhow::Result<Vec<NamedKey>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let file: File = serde_json::from_slice(&bytes).with_context(|| {
                format!("{} is not a keys file; remove it or fix it", path.display())
            })?;
            Ok(file.keys)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn save(path: &Path, keys: &[NamedKey]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    crate::auth::store::create_private_dir(&dir)?;
    let text = serde_json::to_vec_pretty(&File {
        keys: keys.to_vec(),
    })?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    std::io::Write::write_all(&mut tmp, &text)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Creates a key: stores its hash, returns the key (shown once).
pub(crate) fn add(
    path: &Path,
    name: &str,
    rpm: Option<u32>,
    daily_credits: Option<f64>,
) -> anyhow::Result<String> {
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
    {
        bail!("a key name is letters, digits and - _ . @ (got {name:?})");
    }
    if rpm == Some(0) {
        bail!("--rpm must be at least 1");
    }
    if daily_credits.is_some_and(|c| !c.is_finite() || c < 0.0) {
        bail!("--daily-credits must be a positive number");
    }
    let mut keys = load(path)?;
    if keys.iter().any(|k| k.name == name) {
        bail!("a key named `{name}` exists; `copilot-api keys remove {name}` first");
    }
    let key = format!(
        "{PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    keys.push(NamedKey {
        name: name.to_owned(),
        sha256: hash(&key),
        rpm,
        daily_credits,
        created_ms: crate::ledger::now_ms(),
    });
    save(path, &keys)?;
    Ok(key)
}

/// Removes a key; whether it existed.
pub(crate) fn remove(path: &Path, name: &str) -> anyhow::Result<bool> {
    let mut keys = load(path)?;
    let before = keys.len();
    keys.retain(|k| k.name != name);
    if keys.len() == before {
        return Ok(false);
    }
    save(path, &keys)?;
    Ok(true)
}

/// The server's view of the keys: the file's keys, re-read when the file changes (checked at
/// most once a second), and each key's recent requests for its `rpm` limit.
#[derive(Debug)]
pub(crate) struct Keys {
    path: PathBuf,
    state: RwLock<(Option<SystemTime>, Arc<Vec<NamedKey>>)>,
    checked: Mutex<Instant>,
    windows: Mutex<std::collections::HashMap<String, std::collections::VecDeque<Instant>>>,
}

/// Why a key was not let through.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// No key, or an unknown one.
    Unknown,
    /// Over its requests-per-minute limit; retry after this long.
    RateLimited {
        name: String,
        rpm: u32,
        retry_after: Duration,
    },
}

impl Keys {
    /// Loads `<data dir>/keys.json`; an unreadable file is an error (start refuses it).
    pub(crate) fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(FILE);
        let keys = load(&path)?;
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        Ok(Self {
            path,
            state: RwLock::new((modified, Arc::new(keys))),
            checked: Mutex::new(Instant::now()),
            windows: Mutex::default(),
        })
    }

    /// The keys in force, re-read if the file changed.
    pub(crate) fn current(&self) -> Arc<Vec<NamedKey>> {
        let due = {
            let mut checked = self
                .checked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if checked.elapsed() >= Duration::from_secs(1) {
                *checked = Instant::now();
                true
            } else {
                false
            }
        };
        if due {
            let modified = std::fs::metadata(&self.path)
                .and_then(|m| m.modified())
                .ok();
            let stale = self.state.read().map_or(true, |s| s.0 != modified);
            if stale {
                match load(&self.path) {
                    Ok(keys) => {
                        *self
                            .state
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) =
                            (modified, Arc::new(keys));
                        tracing::info!("API keys reloaded from {}", self.path.display());
                    }
                    Err(err) => tracing::warn!("keeping the API keys in force: {err:#}"),
                }
            }
        }
        Arc::clone(
            &self
                .state
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .1,
        )
    }

    /// Whether any named key exists.
    pub(crate) fn any(&self) -> bool {
        !self.current().is_empty()
    }

    /// The named key matching `presented`, counted against its `rpm`.
    pub(crate) fn admit(&self, presented: &str) -> Result<NamedKey, Refusal> {
        let digest = hash(presented);
        let keys = self.current();
        let Some(key) = keys
            .iter()
            .find(|k| crate::server::constant_time_eq(k.sha256.as_bytes(), digest.as_bytes()))
        else {
            return Err(Refusal::Unknown);
        };
        if let Some(rpm) = key.rpm {
            let now = Instant::now();
            let mut windows = self
                .windows
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let window = windows.entry(key.name.clone()).or_default();
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                window.pop_front();
            }
            if window.len() >= rpm as usize {
                let oldest = window.front().copied().unwrap_or(now);
                let retry_after =
                    Duration::from_secs(60).saturating_sub(now.duration_since(oldest));
                return Err(Refusal::RateLimited {
                    name: key.name.clone(),
                    rpm,
                    retry_after,
                });
            }
            window.push_back(now);
        }
        Ok(key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stored_as_hashes_and_limited() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let key = add(&path, "ci", Some(2), Some(50.0)).unwrap();
        assert!(
            key.starts_with(PREFIX) && key.len() == PREFIX.len() + 64,
            "{key}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(&key[PREFIX.len()..]),
            "the key itself is stored"
        );
        assert!(text.contains(&hash(&key)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(add(&path, "ci", None, None).is_err());
        assert!(add(&path, "bad name", None, None).is_err());

        let keys = Keys::open(dir.path()).unwrap();
        assert_eq!(keys.admit(&key).unwrap().name, "ci");
        assert!(keys.admit(&key).is_ok());
        match keys.admit(&key) {
            Err(Refusal::RateLimited {
                rpm: 2,
                retry_after,
                ..
            }) => {
                assert!(retry_after <= Duration::from_secs(60));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(keys.admit("cpk-wrong"), Err(Refusal::Unknown)));
        assert!(remove(&path, "ci").unwrap());
        assert!(!remove(&path, "ci").unwrap());
    }
}
