//! Model-name resolution: what the client asked for → an id from Copilot's catalogue.
//!
//! Owns [`resolve_model`] and [`normalise`]. Clients (Claude Code above all) send Anthropic
//! names such as `claude-sonnet-4-5-20250929[1m]`; Copilot lists `claude-sonnet-4.5`. 0.7.0
//! rewrote names with a hard-coded prefix table (turning every Sonnet 4.x into
//! `claude-sonnet-4`, reference §5.1). Here nothing is hard-coded: a name is rewritten
//! step by step and each intermediate form is looked up in the catalogue Copilot returned,
//! so new models resolve as soon as Copilot lists them.
//!
//! Order: configured alias (exact key) → the name itself → without a trailing `[...]` tag →
//! without a trailing date (`-YYYYMMDD`, `-YYYY-MM-DD`) or `-latest` → dashes between short
//! version numbers turned into dots (`4-5` → `4.5`) → those dots removed (`4.1` → `41`, an
//! id style Copilot has used) → every form again, ignoring ASCII case. When nothing matches,
//! the error carries up to three catalogue ids that look closest.
//!
//! An empty catalogue means "unknown" (the model list could not be fetched): the
//! normalised name is then passed through and upstream gets to decide.

use std::collections::BTreeMap;
use std::fmt;

/// No catalogue id matches the requested model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownModel {
    /// The name the client sent.
    pub requested: String,
    /// Up to three catalogue ids that look closest, best first.
    pub suggestions: Vec<String>,
}

impl fmt::Display for UnknownModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "model `{}` is not available", self.requested)?;
        if !self.suggestions.is_empty() {
            write!(f, "; did you mean {}?", self.suggestions.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownModel {}

/// Resolves `requested` to an id from `catalogue`, trying `aliases` first.
pub(crate) fn resolve_model(
    requested: &str,
    catalogue: &[&str],
    aliases: &BTreeMap<String, String>,
) -> Result<String, UnknownModel> {
    let name = aliases.get(requested).map_or(requested, String::as_str);
    if catalogue.is_empty() {
        return Ok(normalise(name));
    }
    let forms = forms(name);
    let exact = forms.iter().find_map(|form| {
        catalogue
            .iter()
            .find(|id| **id == form.as_str())
            .map(|id| (*id).to_owned())
    });
    let found = exact.or_else(|| {
        forms.iter().find_map(|form| {
            catalogue
                .iter()
                .find(|id| id.eq_ignore_ascii_case(form))
                .map(|id| (*id).to_owned())
        })
    });
    found.ok_or_else(|| UnknownModel {
        requested: requested.to_owned(),
        suggestions: suggest(&normalise(name), catalogue),
    })
}

/// The Copilot-style spelling of a name: tag and date stripped, version dashes as dots.
/// `claude-opus-4-1-20250805` → `claude-opus-4.1`; `claude-sonnet-4-20250514` →
/// `claude-sonnet-4`.
pub(crate) fn normalise(requested: &str) -> String {
    dotted(strip_date(strip_tag(requested)))
}

/// Every spelling to try, most literal first, without duplicates.
fn forms(name: &str) -> Vec<String> {
    let untagged = strip_tag(name);
    let undated = strip_date(untagged);
    let dotted = dotted(undated);
    let undotted = undotted(&dotted);
    let mut forms: Vec<String> = Vec::new();
    for form in [name, untagged, undated, &dotted, &undotted] {
        if !forms.iter().any(|f| f == form) {
            forms.push(form.to_owned());
        }
    }
    forms
}

/// Drops a trailing `[...]` tag such as Claude Code's `[1m]` (1M-context marker).
fn strip_tag(name: &str) -> &str {
    match (name.ends_with(']'), name.rfind('[')) {
        (true, Some(open)) => name[..open].trim_end(),
        _ => name,
    }
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// Drops a trailing `-YYYYMMDD`, `-YYYY-MM-DD` or `-latest`.
fn strip_date(name: &str) -> &str {
    if let Some(rest) = name.strip_suffix("-latest") {
        return rest;
    }
    let segments: Vec<&str> = name.split('-').collect();
    let cut = match segments.as_slice() {
        [.., last] if segments.len() > 1 && is_digits(last, 8) && last.starts_with("20") => {
            last.len() + 1
        }
        [.., y, m, d]
            if segments.len() > 3 && is_digits(y, 4) && is_digits(m, 2) && is_digits(d, 2) =>
        {
            y.len() + m.len() + d.len() + 3
        }
        _ => 0,
    };
    &name[..name.len() - cut]
}

/// Joins adjacent 1–2 digit segments with dots: `claude-3-5-sonnet` → `claude-3.5-sonnet`.
fn dotted(name: &str) -> String {
    let short_number =
        |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let mut out = String::with_capacity(name.len());
    let mut previous: Option<&str> = None;
    for segment in name.split('-') {
        if let Some(prev) = previous {
            let joiner = if short_number(prev) && short_number(segment) {
                '.'
            } else {
                '-'
            };
            out.push(joiner);
        }
        out.push_str(segment);
        previous = Some(segment);
    }
    out
}

/// Removes dots between digits: `claude-opus-4.1` → `claude-opus-41`.
fn undotted(name: &str) -> String {
    let bytes = name.as_bytes();
    name.char_indices()
        .filter(|&(i, c)| {
            let between_digits = i > 0
                && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            !(c == '.' && between_digits)
        })
        .map(|(_, c)| c)
        .collect()
}

/// Up to three catalogue ids close to `target` by edit distance, ties broken by the longer
/// shared prefix. Ids that share neither a family prefix nor half their characters are not
/// suggested at all.
fn suggest(target: &str, catalogue: &[&str]) -> Vec<String> {
    let target = target.to_ascii_lowercase();
    let mut scored: Vec<(usize, usize, &str)> = catalogue
        .iter()
        .filter_map(|id| {
            let lower = id.to_ascii_lowercase();
            let distance = edit_distance(&lower, &target);
            let prefix = lower
                .bytes()
                .zip(target.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let related = prefix >= 4 || distance * 2 <= lower.len().max(target.len());
            related.then_some((distance, usize::MAX - prefix, *id))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, _, id)| id.to_owned())
        .collect()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOGUE: &[&str] = &[
        "claude-sonnet-4",
        "claude-sonnet-4.5",
        "claude-haiku-4.5",
        "claude-opus-4.1",
        "claude-opus-4.5",
        "claude-opus-4.8",
        "claude-opus-5.5",
        "gpt-4o",
        "gpt-4.1",
        "gpt-5",
        "gpt-5-mini",
        "gemini-2.5-pro",
    ];

    fn resolve(name: &str) -> Result<String, UnknownModel> {
        let aliases = BTreeMap::from([
            ("opus".to_owned(), "claude-opus-4-5".to_owned()),
            ("haiku".to_owned(), "gpt-5-mini".to_owned()),
            ("gpt-5".to_owned(), "claude-sonnet-4.5".to_owned()),
        ]);
        resolve_model(name, CATALOGUE, &aliases)
    }

    #[test]
    fn resolution_table() {
        let table = [
            ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5"),
            ("claude-haiku-4-5-20251001", "claude-haiku-4.5"),
            ("claude-opus-4-1-20250805", "claude-opus-4.1"),
            ("claude-sonnet-4-20250514", "claude-sonnet-4"),
            ("claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4.5"),
            ("claude-sonnet-4-5[1m]", "claude-sonnet-4.5"),
            ("claude-opus-4-8", "claude-opus-4.8"),
            ("claude-opus-5-5", "claude-opus-5.5"),
            ("claude-opus-4-5-latest", "claude-opus-4.5"),
            ("claude-sonnet-4", "claude-sonnet-4"),
            ("claude-sonnet-4.5", "claude-sonnet-4.5"),
            ("Claude-Sonnet-4-5", "claude-sonnet-4.5"),
            ("GPT-4.1", "gpt-4.1"),
            ("gpt-4o-2024-08-06", "gpt-4o"),
            ("gemini-2-5-pro", "gemini-2.5-pro"),
            ("gpt-5-mini", "gpt-5-mini"),
            // Aliases win, even over an exact catalogue id, and their target is resolved too.
            ("opus", "claude-opus-4.5"),
            ("haiku", "gpt-5-mini"),
            ("gpt-5", "claude-sonnet-4.5"),
        ];
        for (requested, want) in table {
            assert_eq!(resolve(requested).as_deref(), Ok(want), "{requested}");
        }
    }

    #[test]
    fn undotted_catalogue_ids_are_found() {
        let got = resolve_model(
            "claude-opus-4-1-20250805",
            &["claude-opus-41"],
            &BTreeMap::new(),
        );
        assert_eq!(got.as_deref(), Ok("claude-opus-41"));
    }

    #[test]
    fn unknown_models_get_close_suggestions() {
        let err = resolve("claude-sonnet-5-20260101").unwrap_err();
        assert_eq!(err.requested, "claude-sonnet-5-20260101");
        assert_eq!(
            err.suggestions[..2],
            ["claude-sonnet-4", "claude-sonnet-4.5"]
        );
        assert!(
            err.to_string().contains("did you mean claude-sonnet-4, "),
            "{err}"
        );

        let err = resolve("claude-3-5-haiku-20241022").unwrap_err();
        assert!(
            err.suggestions.contains(&"claude-haiku-4.5".to_owned()),
            "{err:?}"
        );

        let err = resolve("llama-3-70b").unwrap_err();
        assert_eq!(err.suggestions, Vec::<String>::new());
        assert_eq!(err.to_string(), "model `llama-3-70b` is not available");
    }

    #[test]
    fn empty_catalogue_passes_the_normalised_name_through() {
        let got = resolve_model("claude-sonnet-4-5-20250929[1m]", &[], &BTreeMap::new());
        assert_eq!(got.as_deref(), Ok("claude-sonnet-4.5"));
    }

    #[test]
    fn normalise_table() {
        for (name, want) in [
            ("claude-3-5-sonnet-20241022", "claude-3.5-sonnet"),
            ("claude-opus-4-1", "claude-opus-4.1"),
            ("claude-sonnet-4", "claude-sonnet-4"),
            ("gpt-4-0613", "gpt-4-0613"),
            ("o3-mini", "o3-mini"),
            ("x-1-2-3", "x-1.2.3"),
            ("weird[", "weird["),
            ("", ""),
        ] {
            assert_eq!(normalise(name), want, "{name}");
        }
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
