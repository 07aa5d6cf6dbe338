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
        let root = tempfile::tempdir().unwrap();
        for dir in ["home", "config", "data"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        Self {
            root,
            fake: Fake::start(),
        }
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
        std::fs::create_dir_all(self.data_dir()).unwrap();
        std::fs::write(self.token_path(), "gho_good").unwrap();
        self
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        let path = self.config_dir().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary with a clean environment: only what this test world provides.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("copilot-api").unwrap();
        cmd.env_clear()
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            .env("COPILOT_API_GITHUB_URL", &self.fake.base)
            .env("COPILOT_API_GITHUB_API_URL", &self.fake.base)
            .env("NO_COLOR", "1")
            .timeout(std::time::Duration::from_secs(60));
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
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
