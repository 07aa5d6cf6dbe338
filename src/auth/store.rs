//! The GitHub token file: `<data dir>/github_token`, the same file the TypeScript copilot-api
//! uses (raw token, no trailing newline), so its users stay signed in.
//!
//! Writes are atomic (temp file in the same directory, then rename) and the file is created with
//! mode 0600 on Unix before any secret is written to it, so a crash never leaves a half-written
//! or world-readable token behind.
//!
//! Like ssh with a private key, [`read`] refuses a token file that other users can read or
//! write ([`Exposed`]): the token is the person's Copilot account, and the refusal says how to
//! fix the mode.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The token file can be read or written by other users.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path} is accessible to other users (mode {mode:04o}); the GitHub token in it gives access \
     to your Copilot account, so copilot-api will not use it. Fix it with `chmod 600 {path}`",
    path = .path.display()
)]
pub(crate) struct Exposed {
    /// The token file.
    pub path: PathBuf,
    /// Its permission bits.
    pub mode: u32,
}

/// Reads the stored token. A missing or empty file means "not signed in"; a file that other
/// users can access is an [`Exposed`] error.
pub(crate) fn read(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            check_private(path)?;
            let corrupt = || {
                anyhow::anyhow!(
                    "{} does not hold a GitHub token (the file is damaged): sign in again with \
                     `copilot-api auth device login`, which rewrites it",
                    path.display()
                )
            };
            let text = String::from_utf8(bytes).map_err(|_| corrupt())?;
            let token = text.trim();
            if token.bytes().any(|b| !b.is_ascii_graphic()) {
                return Err(corrupt());
            }
            Ok((!token.is_empty()).then(|| token.to_owned()))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the token atomically with mode 0600.
pub(crate) fn write(path: &Path, token: &str) -> anyhow::Result<()> {
    let dir = parent(path);
    create_private_dir(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".github_token.")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    // tempfile creates files 0600 on Unix already; set it explicitly so the guarantee does not
    // rest on a library default.
    set_private(tmp.as_file())?;
    tmp.write_all(token.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write the token to {}", dir.display()))?;
    tmp.persist(path)
        .map_err(|err| err.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Deletes the token file. Returns whether there was one.
pub(crate) fn delete(path: &Path) -> anyhow::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err).with_context(|| format!("cannot remove {}", path.display())),
    }
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Creates the data directory (0700 on Unix) if it does not exist.
pub(crate) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// Refuses a file whose mode lets group or others in.
fn check_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .permissions()
            .mode()
            & 0o7777;
        if mode & 0o077 != 0 {
            return Err(Exposed {
                path: path.to_path_buf(),
                mode,
            }
            .into());
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn set_private(file: &std::fs::File) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .context("cannot restrict the token file's permissions")?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("github_token");
        assert_eq!(read(&path).unwrap(), None);
        write(&path, "gho_abc").unwrap();
        assert_eq!(read(&path).unwrap().as_deref(), Some("gho_abc"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        write(&path, "gho_def").unwrap();
        assert_eq!(read(&path).unwrap().as_deref(), Some("gho_def"));
        assert!(delete(&path).unwrap());
        assert!(!delete(&path).unwrap());
    }

    #[test]
    fn empty_file_means_signed_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("github_token");
        write(&path, "").unwrap();
        assert_eq!(read(&path).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("github_token");
        write(&path, "gho_abc").unwrap();
        for mode in [0o644, 0o640, 0o602] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = read(&path).unwrap_err();
            let exposed = err.downcast_ref::<Exposed>().unwrap();
            assert_eq!(exposed.mode, mode);
            let text = err.to_string();
            assert!(
                text.contains(&format!("chmod 600 {}", path.display())),
                "{text}"
            );
            assert!(!text.contains("gho_abc"), "{text}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(read(&path).unwrap().as_deref(), Some("gho_abc"));
    }
}
