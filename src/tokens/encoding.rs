//! The supported OpenAI encodings and which one a model uses.

use std::fmt;
use std::str::FromStr;

/// An OpenAI BPE encoding (tiktoken's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Encoding {
    /// `o200k_base`: GPT-4o, GPT-4.1, GPT-5, o-series, gpt-oss.
    O200kBase,
    /// `cl100k_base`: GPT-4, GPT-3.5 Turbo, text-embedding-3 / ada-002.
    Cl100kBase,
    /// `p50k_base`: text-davinci-002/003, Codex.
    P50kBase,
    /// `p50k_edit`: the edit models (same ordinary tokens as `p50k_base`).
    P50kEdit,
    /// `r50k_base` (a.k.a. `gpt2`): GPT-3 base models.
    R50kBase,
}

impl Encoding {
    /// All encodings, in the order of their names in error messages.
    pub const ALL: [Encoding; 5] = [
        Encoding::O200kBase,
        Encoding::Cl100kBase,
        Encoding::P50kBase,
        Encoding::P50kEdit,
        Encoding::R50kBase,
    ];

    /// tiktoken's name of the encoding, e.g. `"o200k_base"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::O200kBase => "o200k_base",
            Encoding::Cl100kBase => "cl100k_base",
            Encoding::P50kBase => "p50k_base",
            Encoding::P50kEdit => "p50k_edit",
            Encoding::R50kBase => "r50k_base",
        }
    }

    /// The encoding to count `model`'s tokens with.
    ///
    /// `catalogue_tokenizer` is Copilot's `capabilities.tokenizer` for the model (e.g.
    /// `"o200k_base"`); it wins when it names a known encoding. Otherwise the model id
    /// decides, following tiktoken's `encoding_name_for_model` (exact names, then
    /// prefixes; an `ft:` fine-tune prefix is ignored), plus:
    /// `claude-*`, `gemini-*` and `grok-*` → `o200k_base` as an approximation (see
    /// [`Encoding::is_approximate_for`]). Matching ignores ASCII case and a leading
    /// `provider/` path (`openai/gpt-4o`).
    ///
    /// # Errors
    /// [`UnknownModel`] when neither names an encoding.
    pub(crate) fn for_model(
        model: &str,
        catalogue_tokenizer: Option<&str>,
    ) -> Result<Encoding, UnknownModel> {
        if let Some(enc) = catalogue_tokenizer.and_then(|t| t.trim().parse().ok()) {
            return Ok(enc);
        }
        let id = normalise(model);
        native_encoding(&id)
            .or_else(|| {
                APPROXIMATED
                    .iter()
                    .any(|p| id.starts_with(p))
                    .then_some(Encoding::O200kBase)
            })
            .ok_or_else(|| UnknownModel {
                model: model.to_owned(),
            })
    }

    /// Whether counting `model`'s tokens with this encoding is only an approximation:
    /// true unless `model` is an OpenAI model whose own tokenizer is this encoding
    /// (Claude, Gemini and Grok models have tokenizers of their own).
    pub(crate) fn is_approximate_for(self, model: &str) -> bool {
        native_encoding(&normalise(model)) != Some(self)
    }
}

/// Model families counted with `o200k_base` although their tokenizer differs.
const APPROXIMATED: [&str; 3] = ["claude", "gemini", "grok"];

fn normalise(model: &str) -> String {
    let id = model.trim().to_ascii_lowercase();
    let id = id.strip_prefix("ft:").map(str::to_owned).unwrap_or(id);
    match id.rsplit_once('/') {
        Some((_, tail)) => tail.to_owned(),
        None => id,
    }
}

/// tiktoken's model table (`tiktoken/model.py`, 0.14), exact ids first.
fn native_encoding(id: &str) -> Option<Encoding> {
    use Encoding::{
        Cl100kBase as Cl, O200kBase as O2, P50kBase as P, P50kEdit as Pe, R50kBase as R,
    };
    let exact = match id {
        "gpt-4"
        | "gpt-3.5-turbo"
        | "gpt-3.5"
        | "gpt-35-turbo"
        | "davinci-002"
        | "babbage-002"
        | "text-embedding-ada-002"
        | "text-embedding-3-small"
        | "text-embedding-3-large" => Some(Cl),
        "text-davinci-003" | "text-davinci-002" | "code-davinci-002" | "code-davinci-001"
        | "code-cushman-002" | "code-cushman-001" | "davinci-codex" | "cushman-codex" => Some(P),
        "text-davinci-edit-001" | "code-davinci-edit-001" => Some(Pe),
        "text-davinci-001"
        | "text-curie-001"
        | "text-babbage-001"
        | "text-ada-001"
        | "davinci"
        | "curie"
        | "babbage"
        | "ada"
        | "gpt2"
        | "gpt-2"
        | "code-search-babbage-code-001"
        | "code-search-ada-code-001" => Some(R),
        _ => None,
    };
    if exact.is_some() {
        return exact;
    }
    const PREFIXES: [(&str, Encoding); 18] = [
        ("gpt-4o", O2),
        ("chatgpt-4o", O2),
        ("gpt-4.1", O2),
        ("gpt-4.5", O2),
        ("gpt-5", O2),
        ("gpt-oss", O2),
        ("o1", O2),
        ("o3", O2),
        ("o4", O2),
        ("gpt-4", Cl),
        ("gpt-3.5", Cl),
        ("gpt-35-turbo", Cl),
        ("text-embedding-3", Cl),
        ("text-davinci-edit", Pe),
        ("code-davinci-edit", Pe),
        ("code-", P),
        ("text-similarity-", R),
        ("text-search-", R),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| id.starts_with(prefix))
        .map(|&(_, enc)| enc)
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encoding {
    type Err = UnknownEncoding;

    /// Parses tiktoken's name (ASCII case-insensitive); `gpt2` is accepted for `r50k_base`.
    fn from_str(s: &str) -> Result<Encoding, UnknownEncoding> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "gpt2" {
            return Ok(Encoding::R50kBase);
        }
        Encoding::ALL
            .into_iter()
            .find(|e| e.as_str() == lower)
            .ok_or_else(|| UnknownEncoding { name: s.to_owned() })
    }
}

/// Error of [`Encoding::from_str`]: the name is not a supported encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEncoding {
    /// The name that was given.
    pub name: String,
}

impl fmt::Display for UnknownEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown encoding `{}` (valid: ", self.name)?;
        for (i, e) in Encoding::ALL.iter().enumerate() {
            f.write_str(if i == 0 { "" } else { ", " })?;
            f.write_str(e.as_str())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownEncoding {}

/// Error of [`Encoding::for_model`]: no encoding is known for the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownModel {
    /// The model id that was given.
    pub model: String,
}

impl fmt::Display for UnknownModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no tokenizer is known for model `{}`; choose an encoding explicitly",
            self.model
        )
    }
}

impl std::error::Error for UnknownModel {}

#[cfg(test)]
mod tests {
    use super::Encoding::*;
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Encoding::ALL {
            assert_eq!(e.as_str().parse::<Encoding>(), Ok(e));
            assert_eq!(e.to_string(), e.as_str());
        }
        assert_eq!("O200K_BASE".parse::<Encoding>(), Ok(O200kBase));
        assert_eq!("gpt2".parse::<Encoding>(), Ok(R50kBase));
        let err = "o100k".parse::<Encoding>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown encoding `o100k` (valid: o200k_base, cl100k_base, p50k_base, p50k_edit, r50k_base)"
        );
    }

    #[test]
    fn model_map() {
        let cases = [
            ("gpt-4o", O200kBase),
            ("gpt-4o-2024-11-20", O200kBase),
            ("gpt-4o-mini", O200kBase),
            ("chatgpt-4o-latest", O200kBase),
            ("gpt-4.1", O200kBase),
            ("gpt-4.1-2025-04-14", O200kBase),
            ("gpt-4.5-preview", O200kBase),
            ("gpt-5", O200kBase),
            ("gpt-5-mini", O200kBase),
            ("gpt-5.1-codex", O200kBase),
            ("o1", O200kBase),
            ("o3-mini", O200kBase),
            ("o4-mini", O200kBase),
            ("gpt-oss-120b", O200kBase),
            ("gpt-4", Cl100kBase),
            ("gpt-4-0613", Cl100kBase),
            ("gpt-4-turbo", Cl100kBase),
            ("gpt-4-32k", Cl100kBase),
            ("gpt-3.5-turbo", Cl100kBase),
            ("gpt-3.5-turbo-0125", Cl100kBase),
            ("gpt-35-turbo", Cl100kBase),
            ("text-embedding-3-small", Cl100kBase),
            ("text-embedding-ada-002", Cl100kBase),
            ("davinci-002", Cl100kBase),
            ("text-davinci-003", P50kBase),
            ("text-davinci-002", P50kBase),
            ("code-davinci-002", P50kBase),
            ("code-cushman-001", P50kBase),
            ("text-davinci-edit-001", P50kEdit),
            ("code-davinci-edit-001", P50kEdit),
            ("davinci", R50kBase),
            ("curie", R50kBase),
            ("babbage", R50kBase),
            ("ada", R50kBase),
            ("gpt2", R50kBase),
            ("text-davinci-001", R50kBase),
            ("text-similarity-ada-001", R50kBase),
            ("code-search-ada-code-001", R50kBase),
            ("claude-sonnet-4", O200kBase),
            ("claude-3.5-sonnet", O200kBase),
            ("gemini-2.5-pro", O200kBase),
            ("grok-code-fast-1", O200kBase),
            ("GPT-4O", O200kBase),
            ("openai/gpt-4.1", O200kBase),
            ("ft:gpt-4o-mini:org::id", O200kBase),
        ];
        for (model, enc) in cases {
            assert_eq!(Encoding::for_model(model, None), Ok(enc), "{model}");
        }
        let err = Encoding::for_model("llama-3-70b", None).unwrap_err();
        assert_eq!(err.model, "llama-3-70b");
        assert!(err.to_string().contains("`llama-3-70b`"));
    }

    #[test]
    fn catalogue_wins_when_known() {
        assert_eq!(
            Encoding::for_model("gpt-4o", Some("cl100k_base")),
            Ok(Cl100kBase)
        );
        assert_eq!(
            Encoding::for_model("some-new-model", Some("o200k_base")),
            Ok(O200kBase)
        );
        assert_eq!(Encoding::for_model("gpt-4", Some("llama3")), Ok(Cl100kBase));
        assert!(Encoding::for_model("some-new-model", Some("llama3")).is_err());
    }

    #[test]
    fn approximation_flag() {
        assert!(!O200kBase.is_approximate_for("gpt-4o"));
        assert!(!Cl100kBase.is_approximate_for("gpt-4"));
        assert!(O200kBase.is_approximate_for("claude-sonnet-4"));
        assert!(O200kBase.is_approximate_for("gemini-2.5-pro"));
        assert!(O200kBase.is_approximate_for("grok-code-fast-1"));
        assert!(O200kBase.is_approximate_for("gpt-4"));
        assert!(O200kBase.is_approximate_for("some-new-model"));
    }
}
