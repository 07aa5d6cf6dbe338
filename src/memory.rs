//! Handing back the memory that start-up used and serving never will.
//!
//! Start-up (argument parsing, settings, sign-in, loading the model list) runs code a serving
//! proxy never runs again, and Linux maps executable pages 64 KiB at a time around every page
//! touched: a freshly started proxy has ~6 MB of its binary resident, most of it start-up code.
//! Those pages are clean copies of the file, so dropping them from the process costs nothing —
//! the kernel maps them back from the page cache if they are ever touched again — and leaves the
//! idle proxy holding only what serving uses. The same goes for heap memory start-up freed.
//!
//! Serving also gets one malloc setting (glibc): no "fastbins". See [`tune_heap_for_serving`].
//!
//! This is the one place copilot-api uses `unsafe`: three libc calls, each with its argument
//! for safety next to it.

#![allow(unsafe_code)]

/// Releases start-up memory: clean read-only pages of the executable and the free heap.
/// Best effort; does nothing on platforms other than Linux.
pub fn release_start_up_memory() {
    #[cfg(target_os = "linux")]
    linux::release_start_up_memory();
}

/// Turns off glibc's fastbins (`M_MXFAST` = 0) for serving. Every request allocates and frees
/// a few hundred small blocks of the same few sizes; beyond the per-thread cache (7 blocks a
/// size) glibc parks them in fastbins and merges them all in one go (`malloc_consolidate`)
/// whenever a large block is requested — and every request asks for large blocks (hyper's
/// 8 KiB buffers). Without fastbins small blocks are merged as they are freed. Measured with
/// loadbench (five alternating runs): translated `/v1/messages` CPU per request −17% (median
/// 0.119 → 0.099 ms), passthrough unchanged, memory targets unchanged. Does nothing off glibc.
pub fn tune_heap_for_serving() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc parameter (it first consolidates the free lists,
    // under glibc's arena lock); it takes no pointers and invalidates no allocation.
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
    }
}

#[cfg(target_os = "linux")]
mod linux {
    /// One mapping of `/proc/self/smaps`: its range and whether dropping its pages is lossless.
    #[derive(Debug)]
    pub(super) struct Mapping {
        pub(super) start: usize,
        pub(super) end: usize,
        /// Read-only, a mapping of `exe`, and no page copied on write (nothing anonymous):
        /// every resident page is the file's page-cache page. (smaps also counts page-cache
        /// pages not yet written back — a binary just built or installed — as dirty; those
        /// are still the file's bytes, so "dirty" is not the test.)
        pub(super) clean_exe_text: bool,
    }

    pub(super) fn release_start_up_memory() {
        let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
            return;
        };
        let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
            return;
        };
        let Some(exe) = exe.to_str() else { return };
        let mut released = 0;
        for mapping in parse(&smaps, exe) {
            if !mapping.clean_exe_text {
                continue;
            }
            let len = mapping.end - mapping.start;
            // SAFETY: the range is a whole mapping of our own executable that is read-only and
            // has no modified page (checked in `parse` from smaps, which the kernel keeps
            // exact). Nothing can write to it, so MADV_DONTNEED only unmaps page-cache copies
            // of the file; the next access faults the same bytes back in. No Rust reference
            // into this memory is invalidated, because its contents never change.
            let rc = unsafe {
                libc::madvise(mapping.start as *mut libc::c_void, len, libc::MADV_DONTNEED)
            };
            if rc == 0 {
                released += len;
            }
        }
        #[cfg(target_env = "gnu")]
        // SAFETY: malloc_trim only returns free heap memory to the kernel; it takes no pointers
        // and is thread-safe (it takes glibc's arena locks).
        unsafe {
            libc::malloc_trim(0);
        }
        tracing::debug!(
            "released start-up memory ({} KiB of executable mappings)",
            released / 1024
        );
    }

    /// Parses `/proc/self/smaps` into the mappings of `exe`, deciding for each whether its pages
    /// can be dropped without losing anything.
    pub(super) fn parse(smaps: &str, exe: &str) -> Vec<Mapping> {
        let mut out = Vec::new();
        let mut current: Option<Mapping> = None;
        for line in smaps.lines() {
            if let Some(header) = parse_header(line) {
                out.extend(current.take());
                let (start, end, perms, path) = header;
                current = (path == exe).then(|| Mapping {
                    start,
                    end,
                    clean_exe_text: perms.starts_with('r') && perms.get(1..2) != Some("w"),
                });
                continue;
            }
            let Some(mapping) = current.as_mut() else {
                continue;
            };
            if let Some((key, value)) = line.split_once(':') {
                let kib = value.trim().trim_end_matches("kB").trim().parse::<u64>();
                if key == "Anonymous" && kib != Ok(0) {
                    mapping.clean_exe_text = false;
                }
            }
        }
        out.extend(current);
        out
    }

    /// `start-end perms offset dev inode [path]`.
    fn parse_header(line: &str) -> Option<(usize, usize, &str, &str)> {
        let mut fields = line.split_ascii_whitespace();
        let (start, end) = fields.next()?.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        let perms = fields.next()?;
        if perms.len() != 4 {
            return None;
        }
        let _offset = fields.next()?;
        let _dev = fields.next()?;
        let _inode = fields.next()?;
        // The path is the rest of the line (it may contain spaces); absent for anonymous maps.
        let path = line
            .splitn(6, |c: char| c.is_ascii_whitespace())
            .nth(5)
            .map_or("", str::trim);
        Some((start, end, perms, path))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        const SMAPS: &str = "\
55d0c0000000-55d0c0de8000 r--p 00000000 fe:00 5489956                    /opt/my bin/copilot-api
Size:              14240 kB
Rss:                1184 kB
Shared_Dirty:          0 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
55d0c0de8000-55d0c1566000 r-xp 00de8000 fe:00 5489956                    /opt/my bin/copilot-api
Rss:                4904 kB
Private_Dirty:      4904 kB
Anonymous:             0 kB
55d0c1566000-55d0c15ba000 r--p 01565000 fe:00 5489956                    /opt/my bin/copilot-api
Rss:                 336 kB
Private_Dirty:       336 kB
Anonymous:           336 kB
55d0c15ba000-55d0c15be000 rw-p 015b8000 fe:00 5489956                    /opt/my bin/copilot-api
Rss:                  16 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
55d0c2000000-55d0c2080000 rw-p 00000000 00:00 0                          [heap]
Rss:                 496 kB
Private_Dirty:       496 kB
7f0000000000-7f0000200000 r-xp 00028000 fe:00 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1120 kB
Private_Dirty:         0 kB
";

        #[test]
        fn only_clean_read_only_mappings_of_the_executable_are_released() {
            let maps = parse(SMAPS, "/opt/my bin/copilot-api");
            let verdicts: Vec<(usize, bool)> =
                maps.iter().map(|m| (m.start, m.clean_exe_text)).collect();
            assert_eq!(
                verdicts,
                vec![
                    (0x55d0_c000_0000, true),  // rodata, untouched
                    (0x55d0_c0de_8000, true),  // text, not yet written back
                    (0x55d0_c156_6000, false), // RELRO: relocated, copied on write
                    (0x55d0_c15b_a000, false), // writable data
                ]
            );
            assert_eq!(maps[1].end, 0x55d0_c156_6000);
            // Mappings of other files are never touched.
            assert!(parse(SMAPS, "/opt/other/copilot-api").is_empty());
        }
    }
}
