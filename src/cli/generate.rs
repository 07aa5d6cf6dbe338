//! `completions` and the hidden `generate`: shell completions and the man page, produced from
//! the clap definition so they never drift from the real command line.

use std::path::Path;

use anyhow::Context as _;
use clap::CommandFactory as _;
use clap_complete::Shell;

use crate::ExitStatus;
use crate::cli::{Cli, CompletionsArgs, GenerateArgs};
use crate::output::Printer;

const BIN: &str = "copilot-api";

/// The completion script for `shell`.
pub(crate) fn completion_script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
    out
}

/// The man page (roff).
pub(crate) fn man_page() -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .context("cannot render the man page")?;
    Ok(out)
}

/// File name of the committed completion script for `shell`.
pub(crate) fn completion_file_name(shell: Shell) -> String {
    match shell {
        Shell::Bash => format!("{BIN}.bash"),
        Shell::Zsh => format!("_{BIN}"),
        Shell::Fish => format!("{BIN}.fish"),
        Shell::PowerShell => format!("_{BIN}.ps1"),
        Shell::Elvish => format!("{BIN}.elv"),
        _ => format!("{BIN}.{shell}"),
    }
}

/// Shells we ship completions for.
pub(crate) const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// Runs `completions <shell>`.
pub(crate) fn completions(printer: &Printer, args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let script = completion_script(args.shell);
    printer.out(String::from_utf8_lossy(&script).trim_end())?;
    Ok(ExitStatus::Success)
}

/// Runs `generate <dir>`.
pub(crate) fn generate(printer: &Printer, args: &GenerateArgs) -> anyhow::Result<ExitStatus> {
    let completions = args.dir.join("completions");
    let man = args.dir.join("man");
    for dir in [&completions, &man] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    for shell in SHELLS {
        write(
            &completions.join(completion_file_name(shell)),
            &completion_script(shell),
        )?;
    }
    write(&man.join(format!("{BIN}.1")), &man_page()?)?;
    printer.info(format!(
        "Wrote completions/ and man/ under {}",
        args.dir.display()
    ));
    Ok(ExitStatus::Success)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
