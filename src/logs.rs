//! Where log lines go: standard error, except while a `--manual` prompt is on screen, when
//! they are held and written once it is answered (a line in the middle of a prompt breaks it
//! and hides the question).

use std::io::{self, Write as _};
use std::sync::Mutex;

/// `Some` while a prompt is shown: the lines held meanwhile.
static HELD: Mutex<Option<Vec<u8>>> = Mutex::new(None);

/// At most this much is held (a prompt left open for hours under load drops what is beyond).
const HELD_MAX: usize = 4 << 20;

/// The log's writer (`tracing_subscriber`'s `MakeWriter`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Stderr {
    type Writer = Stderr;

    fn make_writer(&'a self) -> Self::Writer {
        Stderr
    }
}

impl io::Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut held) = HELD.lock()
            && let Some(lines) = held.as_mut()
        {
            if lines.len() + buf.len() <= HELD_MAX {
                lines.extend_from_slice(buf);
            }
            return Ok(buf.len());
        }
        io::stderr().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// Holds log lines until dropped, then writes them out.
#[derive(Debug)]
pub(crate) struct Hold(());

/// Starts holding log lines (a prompt is about to be shown).
pub(crate) fn hold() -> Hold {
    if let Ok(mut held) = HELD.lock() {
        held.get_or_insert_with(Vec::new);
    }
    Hold(())
}

impl Drop for Hold {
    fn drop(&mut self) {
        let lines = HELD.lock().ok().and_then(|mut held| held.take());
        if let Some(lines) = lines {
            let _ = io::stderr().write_all(&lines);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_written_during_a_prompt_wait_for_its_end() {
        let hold = hold();
        let mut writer = Stderr;
        writer.write_all(b"held line\n").unwrap_or_default();
        assert_eq!(
            HELD.lock().ok().and_then(|h| h.clone()).as_deref(),
            Some(&b"held line\n"[..])
        );
        drop(hold);
        assert!(HELD.lock().ok().is_some_and(|h| h.is_none()));
    }
}
