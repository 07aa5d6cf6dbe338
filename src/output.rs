//! Everything the user sees outside of logs: the `Printer` (quiet / normal / verbose, colours,
//! TTY detection), the spinner, and the prompt theme, in one place.
//!
//! Results go to stdout; messages, progress and prompts go to stderr so that
//! `n=$(copilot-api count-tokens f)` captures only the answer.

use std::fmt::Display;
use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How chatty to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verbosity {
    /// Results and errors only.
    Quiet,
    /// Results, progress and notices.
    Normal,
    /// Also debug detail.
    Verbose,
}

/// Writes results and messages.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    verbosity: Verbosity,
    stderr_tty: bool,
    stdin_tty: bool,
}

impl Printer {
    /// Creates a printer, detecting terminals once.
    pub(crate) fn new(verbosity: Verbosity, color: bool) -> Self {
        if !color {
            console::set_colors_enabled(false);
            console::set_colors_enabled_stderr(false);
        }
        Self {
            verbosity,
            stderr_tty: std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// Whether stderr is a terminal (spinners, prompts).
    pub(crate) fn interactive(&self) -> bool {
        self.stderr_tty && self.stdin_tty
    }

    /// Whether stdin is a terminal.
    pub(crate) fn stdin_is_tty(&self) -> bool {
        self.stdin_tty
    }

    /// Writes one result line to stdout. Errors (e.g. a closed pipe) are returned so `main`
    /// can exit quietly on a broken pipe.
    pub(crate) fn out(&self, line: impl Display) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")?;
        stdout.flush()
    }

    /// Writes a notice to stderr unless quiet.
    pub(crate) fn info(&self, line: impl Display) {
        if self.verbosity != Verbosity::Quiet {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }

    /// Writes a line to stderr even when quiet (things the user must see, such as a device code).
    pub(crate) fn always(&self, line: impl Display) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// Writes a warning to stderr (also when quiet).
    pub(crate) fn warn(&self, line: impl Display) {
        let style = console::Style::new().yellow().for_stderr();
        let _ = writeln!(
            std::io::stderr().lock(),
            "{} {line}",
            style.apply_to("warning:")
        );
    }

    /// A spinner on stderr; hidden when quiet, verbose or not a terminal.
    pub(crate) fn spinner(&self, message: impl Into<String>) -> ProgressBar {
        let target = if self.stderr_tty && self.verbosity == Verbosity::Normal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template("{spinner:.cyan} {msg}") {
            bar.set_style(style);
        }
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }
}

/// The one prompt theme, so every dialoguer prompt looks alike.
pub(crate) fn theme() -> dialoguer::theme::ColorfulTheme {
    dialoguer::theme::ColorfulTheme::default()
}
