//! `TestContext`: an isolated world per test (temp HOME, config and data dirs) and a
//! `copilot-api` command pointed at a fake upstream.

use std::path::PathBuf;

use assert_cmd::Command;

use crate::fake::Fake;

pub struct TestContext {
    pub root: tempfile::TempDir,
    pub fake: Fake,
}

impl TestContext {
    pub fn new() -> Self {
        Self::with_fake(Fake::start())
    }

    /// A world whose GitHub and Copilot are `fake`.
    pub fn with_fake(fake: Fake) -> Self {
        let root = tempfile::tempdir().unwrap();
        for dir in ["home", "config", "data"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        Self { root, fake }
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data").join("copilot-api")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("config").join("copilot-api")
    }

    pub fn token_path(&self) -> PathBuf {
        self.data_dir().join("github_token")
    }

    /// Stores a GitHub token as if `auth device login` had run.
    pub fn sign_in(&self) -> &Self {
        self.store_token("gho_good");
        self
    }

    /// Writes the token file as `auth device login` does: mode 0600.
    pub fn store_token(&self, token: &str) {
        std::fs::create_dir_all(self.data_dir()).unwrap();
        let path = self.token_path();
        std::fs::write(&path, token).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        let path = self.config_dir().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The environment of this test world: nothing from the developer's machine leaks in.
    pub fn envs(&self) -> Vec<(String, std::ffi::OsString)> {
        let root = self.root.path();
        let mut envs = vec![
            ("HOME".to_owned(), self.home().into_os_string()),
            (
                "XDG_CONFIG_HOME".to_owned(),
                root.join("config").into_os_string(),
            ),
            (
                "XDG_DATA_HOME".to_owned(),
                root.join("data").into_os_string(),
            ),
            (
                "COPILOT_API_GITHUB_URL".to_owned(),
                self.fake.base.clone().into(),
            ),
            (
                "COPILOT_API_GITHUB_API_URL".to_owned(),
                self.fake.base.clone().into(),
            ),
            ("NO_COLOR".to_owned(), "1".into()),
        ];
        if let Some(path) = std::env::var_os("PATH") {
            envs.push(("PATH".to_owned(), path));
        }
        envs
    }

    /// The binary with a clean environment (assert_cmd).
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_copilot-api"));
        cmd.env_clear()
            .envs(self.envs())
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// The binary with a clean environment, as a plain `std::process::Command` (long-running).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_copilot-api"));
        cmd.env_clear().envs(self.envs());
        cmd
    }
}

/// stdout of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr of a finished command as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
