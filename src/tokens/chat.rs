//! Token estimate of an OpenAI-shaped chat request, after copilot-api 0.7.0.
//!
//! The algorithm (documented in the parent module, reference spec §6) is copilot-api
//! 0.7.0's `getTokenCount` plus the Claude/Grok correction of its `count_tokens`
//! handler. It reads `serde_json::Value`s in the OpenAI chat-completions shape so it
//! depends on no other module.
//!
//! JavaScript details reproduced: `String(x)` for types and enum items (`["string",
//! "null"]` → `string,null`), `x || default` for missing or falsy descriptions and types,
//! and `JSON.stringify` number formatting. Object keys are visited in `serde_json`'s
//! map order, which is the original order only with serde_json's `preserve_order`
//! feature; otherwise keys are sorted, which can change the count of a JSON-encoded
//! tool call by a token or so. Where the original would throw (e.g. `tool_calls:
//! null`, a tool without `function`) this counts what it can instead.

use serde::Serialize;
use serde_json::Value;

use super::Tokenizer;

/// Token estimate of a chat request, split by origin; `total` is the sum of the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct ChatCount {
    /// Fields of `system` and `developer` messages.
    pub system: u64,
    /// Fields of the other messages (user, assistant, tool, …), incl. tool calls.
    pub messages: u64,
    /// Tool definitions, incl. their `funcInit`/`funcEnd` constants.
    pub tools: u64,
    /// 3 per message, plus 3 per non-empty group (input / output messages).
    pub overhead: u64,
    /// What the Claude/Grok correction added (0 when not applied).
    pub claude_correction: u64,
    /// Estimated prompt tokens.
    pub total: u64,
}

/// Inputs of [`count_chat`] besides the request itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CountOptions<'a> {
    /// Model id as requested (decides `funcInit` and the correction).
    pub model: &'a str,
    /// The request's `anthropic-beta` header, if any.
    pub anthropic_beta: Option<&'a str>,
    /// Number of tools in the original Anthropic request (0 for OpenAI requests).
    pub anthropic_tool_count: usize,
    /// Apply copilot-api's Claude (+346, ×1.15) / Grok (+480, ×1.03) correction.
    pub claude_correction: bool,
}

struct Constants {
    func_init: i64,
    prop_init: i64,
    prop_key: i64,
    enum_init: i64,
    enum_item: i64,
    func_end: i64,
}

impl Constants {
    fn for_model(model: &str) -> Constants {
        Constants {
            func_init: if model == "gpt-3.5-turbo" || model == "gpt-4" {
                10
            } else {
                7
            },
            prop_init: 3,
            prop_key: 3,
            enum_init: -3,
            enum_item: 3,
            func_end: 12,
        }
    }
}

const PER_MESSAGE: i64 = 3;
const PER_NAME: i64 = 1;
const PER_GROUP: i64 = 3;

struct Counter<'t> {
    tok: &'t Tokenizer,
    k: Constants,
    /// Images by Anthropic's formula rather than OpenAI's.
    claude: bool,
}

impl Counter<'_> {
    fn t(&self, s: &str) -> i64 {
        self.tok.count(s) as i64
    }
}

/// Estimates the prompt tokens of an OpenAI chat request (`messages`, `tools` as in
/// the chat-completions API) the way copilot-api 0.7.0 does; see the module docs of
/// [`crate::tokens`] for the formula.
pub(crate) fn count_chat(
    tok: &Tokenizer,
    messages: &[Value],
    tools: &[Value],
    opts: &CountOptions<'_>,
) -> ChatCount {
    let c = Counter {
        tok,
        k: Constants::for_model(opts.model),
        claude: opts.model.starts_with("claude"),
    };
    let (mut system, mut other, mut overhead) = (0i64, 0i64, 0i64);
    let mut groups = [false; 2];
    for message in messages {
        let role = message.get("role").and_then(Value::as_str);
        groups[usize::from(role == Some("assistant"))] = true;
        overhead += PER_MESSAGE;
        let tokens = message_tokens(&c, message);
        if matches!(role, Some("system" | "developer")) {
            system += tokens;
        } else {
            other += tokens;
        }
    }
    overhead += PER_GROUP * groups.iter().filter(|&&g| g).count() as i64;
    let tools_tokens = if tools.is_empty() {
        0
    } else {
        tools.iter().map(|t| tool_tokens(&c, t)).sum::<i64>() + c.k.func_end
    };

    let clamp = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut count = ChatCount {
        system: clamp(system),
        messages: clamp(other),
        tools: clamp(tools_tokens),
        overhead: clamp(overhead),
        claude_correction: 0,
        total: 0,
    };
    let base = count.system + count.messages + count.tools + count.overhead;
    count.total = base;
    if opts.claude_correction {
        let correction = if opts.model.starts_with("claude") {
            Some((346, 1.15))
        } else if opts.model.starts_with("grok") {
            Some((480, 1.03))
        } else {
            None
        };
        if let Some((tool_overhead, factor)) = correction {
            let mcp_exempt = opts
                .anthropic_beta
                .is_some_and(|b| b.starts_with("claude-code"))
                && tools
                    .iter()
                    .any(|t| tool_name(t).is_some_and(|n| n.starts_with("mcp__")));
            let with_tools = if opts.anthropic_tool_count > 0 && !mcp_exempt {
                base + tool_overhead
            } else {
                base
            };
            // JavaScript's Math.round: half rounds up (all values here are positive)
            let total = (with_tools as f64 * factor + 0.5).floor() as u64;
            count.claude_correction = total.saturating_sub(base);
            count.total = base + count.claude_correction;
        }
    }
    count
}

/// One message's tokens, without the per-message constant.
fn message_tokens(c: &Counter<'_>, message: &Value) -> i64 {
    let Some(fields) = message.as_object() else {
        return 0;
    };
    let mut tokens = 0;
    for (key, value) in fields {
        // A thinking block's signature is opaque to the model: its text is what counts.
        if let Value::String(s) = value
            && key != "reasoning_opaque"
        {
            tokens += c.t(s);
        }
        match key.as_str() {
            "name" => tokens += PER_NAME,
            "tool_calls" => {
                if let Value::Array(calls) = value {
                    for call in calls {
                        tokens += c.k.func_init + c.t(&js_json(call));
                    }
                    tokens += c.k.func_end;
                }
            }
            "content" => {
                if let Value::Array(parts) = value {
                    for part in parts {
                        if part.get("type").and_then(Value::as_str) == Some("image_url") {
                            let url = part
                                .pointer("/image_url/url")
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            let detail = part.pointer("/image_url/detail").and_then(Value::as_str);
                            tokens += super::image::tokens(url, detail, c.claude) as i64;
                        } else if let Some(text) = part.get("text").and_then(Value::as_str) {
                            tokens += c.t(text);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    tokens
}

fn tool_name(tool: &Value) -> Option<&str> {
    tool.pointer("/function/name")
        .or_else(|| tool.get("name"))
        .and_then(Value::as_str)
}

/// One tool definition's tokens (`funcInit` included, `funcEnd` not).
fn tool_tokens(c: &Counter<'_>, tool: &Value) -> i64 {
    let func = tool.get("function").unwrap_or(tool);
    let name = js_string(func.get("name"));
    let description = strip_dot(js_or(func.get("description"), ""));
    let mut tokens = c.k.func_init + c.t(&format!("{name}:{description}"));
    if let Some(parameters) = func
        .get("parameters")
        .filter(|p| p.is_object() || p.is_array())
    {
        tokens += parameters_tokens(c, parameters);
    }
    tokens
}

fn parameters_tokens(c: &Counter<'_>, parameters: &Value) -> i64 {
    let mut tokens = 0;
    for (key, value) in js_entries(parameters) {
        if key == "properties" {
            let properties = js_entries(value);
            if !properties.is_empty() {
                tokens += c.k.prop_init;
                for (name, property) in properties {
                    tokens += property_tokens(c, &name, property);
                }
            }
        } else {
            tokens += c.t(&format!("{key}:{}", js_text(value)));
        }
    }
    tokens
}

fn property_tokens(c: &Counter<'_>, name: &str, property: &Value) -> i64 {
    let mut tokens = c.k.prop_key;
    if !(property.is_object() || property.is_array()) {
        return tokens;
    }
    let kind = js_or(property.get("type"), "string");
    let description = strip_dot(js_or(property.get("description"), ""));
    if let Some(Value::Array(items)) = property.get("enum") {
        tokens += c.k.enum_init;
        for item in items {
            tokens += c.k.enum_item + c.t(&js_string(Some(item)));
        }
    }
    tokens += c.t(&format!("{name}:{kind}:{description}"));
    for (key, value) in js_entries(property) {
        if !matches!(key.as_str(), "type" | "description" | "enum") {
            tokens += c.t(&format!("{key}:{}", js_text(value)));
        }
    }
    tokens
}

fn strip_dot(mut s: String) -> String {
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// `Object.entries(v)` for objects and arrays.
fn js_entries(v: &Value) -> Vec<(String, &Value)> {
    match v {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    }
}

/// `String(v)` (`None` is `undefined`).
fn js_string(v: Option<&Value>) -> String {
    match v {
        None => "undefined".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => js_number(n),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                if i.is_null() {
                    String::new()
                } else {
                    js_string(Some(i))
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::Object(_)) => "[object Object]".to_owned(),
    }
}

/// `String(v || fallback)`.
fn js_or(v: Option<&Value>, fallback: &str) -> String {
    let falsy = match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        _ => false,
    };
    if falsy {
        fallback.to_owned()
    } else {
        js_string(v)
    }
}

/// `typeof v === "string" ? v : JSON.stringify(v)`.
fn js_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => js_json(other),
    }
}

/// `JSON.stringify(v)` (compact; keys in `serde_json`'s map order).
fn js_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::Number(n) => out.push_str(&js_number(n)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
        // null, booleans and strings print the same in serde_json and JavaScript
        other => out.push_str(&other.to_string()),
    }
}

/// JavaScript's `Number.prototype.toString()` for a JSON number.
fn js_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    let abs = f.abs();
    if f == f.trunc() && abs < 1e21 {
        format!("{f:.0}")
    } else if (1e-6..1e21).contains(&abs) {
        format!("{f}")
    } else {
        // JavaScript: "1e-7", "1.5e+21"
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Encoding;
    use super::*;

    fn o200k() -> &'static Tokenizer {
        Tokenizer::get(Encoding::O200kBase)
    }

    fn opts(model: &str) -> CountOptions<'_> {
        CountOptions {
            model,
            ..CountOptions::default()
        }
    }

    // o200k_base token counts used below (checked by `token_counts_used_in_comments`):
    // "system" 1, "user" 1, "assistant" 1, "tool" 1, "You are terse." 4, "hi" 1,
    // "bob" 1, "Hello!" 2, "Describe" 1, "http://x/y.png" 5, "call_1" 3,
    // "Sunny, 21C" 5, "get_weather:Get the weather" 5, "type:object" 3,
    // "location:string:City name" 5, "celsius" 2, "fahrenheit" 2, "unit:string:" 3,
    // `required:["location"]` 4, and the tool call's JSON (below) 28.
    const CALL_JSON: &str = r#"{"function":{"arguments":"{\"location\":\"Paris\"}","name":"get_weather"},"id":"call_1","type":"function"}"#;

    #[test]
    fn token_counts_used_in_comments() {
        let t = o200k();
        for (s, n) in [
            ("system", 1),
            ("user", 1),
            ("assistant", 1),
            ("tool", 1),
            ("You are terse.", 4),
            ("hi", 1),
            ("bob", 1),
            ("Hello!", 2),
            ("Describe", 1),
            ("http://x/y.png", 5),
            ("call_1", 3),
            ("Sunny, 21C", 5),
            ("get_weather:Get the weather", 5),
            ("type:object", 3),
            ("location:string:City name", 5),
            ("celsius", 2),
            ("fahrenheit", 2),
            ("unit:string:", 3),
            (r#"required:["location"]"#, 4),
            (CALL_JSON, 28),
        ] {
            assert_eq!(t.count(s), n, "{s}");
        }
    }

    fn simple_messages() -> Vec<Value> {
        vec![
            json!({"role": "system", "content": "You are terse."}),
            json!({"role": "user", "content": "hi", "name": "bob"}),
            json!({"role": "assistant", "content": "Hello!"}),
        ]
    }

    #[test]
    fn messages_only() {
        // system:    T(system) 1 + T(You are terse.) 4                  = 5
        // user:      T(user) 1 + T(hi) 1 + T(bob) 1 + name 1            = 4
        // assistant: T(assistant) 1 + T(Hello!) 2                       = 3
        // overhead:  3 messages × 3 + 2 non-empty groups × 3            = 15
        // total:     5 + (4 + 3) + 0 + 15                               = 27
        let got = count_chat(o200k(), &simple_messages(), &[], &opts("gpt-4o"));
        let want = ChatCount {
            system: 5,
            messages: 7,
            tools: 0,
            overhead: 15,
            claude_correction: 0,
            total: 27,
        };
        assert_eq!(got, want);
    }

    #[test]
    fn empty_request_is_zero() {
        assert_eq!(
            count_chat(o200k(), &[], &[], &opts("gpt-4o")),
            ChatCount::default()
        );
        // only an input group: 3 (message) + 3 (group) + T(user) 1 + T(hi) 1 = 8
        let one = count_chat(
            o200k(),
            &[json!({"role": "user", "content": "hi"})],
            &[],
            &opts("gpt-4o"),
        );
        assert_eq!((one.messages, one.overhead, one.total), (2, 6, 8));
    }

    fn tool_request() -> (Vec<Value>, Vec<Value>) {
        let call: Value = serde_json::from_str(CALL_JSON).unwrap();
        let messages = vec![
            json!({"role": "user", "content": [
                {"type": "text", "text": "Describe"},
                {"type": "image_url", "image_url": {"url": "http://x/y.png"}}
            ]}),
            json!({"role": "assistant", "content": null, "tool_calls": [call]}),
            json!({"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21C"}),
        ];
        let tools = vec![json!({"type": "function", "function": {
            "name": "get_weather",
            "description": "Get the weather.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "City name."},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
                },
                "required": ["location"]
            }
        }})];
        (messages, tools)
    }

    #[test]
    fn tools_tool_calls_and_parts() {
        let (messages, tools) = tool_request();
        // user:      T(user) 1 + T(Describe) 1 + an image of unknown size 765  = 767
        // assistant: T(assistant) 1 + funcInit 7 + T(call JSON) 28 + funcEnd 12 = 48
        // tool:      T(tool) 1 + T(call_1) 3 + T(Sunny, 21C) 5                  = 9
        // tools:     funcInit 7 + T(get_weather:Get the weather) 5              = 12
        //            + T(type:object) 3
        //            + propInit 3
        //              + location: propKey 3 + T(location:string:City name) 5   = 8
        //              + unit: propKey 3 + enumInit -3 + (3 + 2) + (3 + 2)
        //                      + T(unit:string:) 3                              = 13
        //            + T(required:["location"]) 4                               → 43
        //            + funcEnd 12                                               = 55
        // overhead:  3 × 3 + 2 × 3                                              = 15
        // total:     824 + 55 + 15                                              = 894
        let got = count_chat(o200k(), &messages, &tools, &opts("gpt-4o"));
        let want = ChatCount {
            system: 0,
            messages: 824,
            tools: 55,
            overhead: 15,
            claude_correction: 0,
            total: 894,
        };
        assert_eq!(got, want);

        // gpt-4 and gpt-3.5-turbo use funcInit 10: +3 for the tool, +3 for the call
        let gpt4 = count_chat(o200k(), &messages, &tools, &opts("gpt-4"));
        assert_eq!((gpt4.messages, gpt4.tools, gpt4.total), (827, 58, 900));
    }

    #[test]
    fn claude_and_grok_corrections() {
        let messages = simple_messages(); // 27 tokens, see `messages_only`
        let claude = CountOptions {
            claude_correction: true,
            ..opts("claude-sonnet-4")
        };
        // no tools in the Anthropic request: round(27 × 1.15 = 31.05) = 31
        let got = count_chat(o200k(), &messages, &[], &claude);
        assert_eq!((got.claude_correction, got.total), (4, 31));
        // with tools: round((27 + 346) × 1.15 = 428.95) = 429
        let with_tools = CountOptions {
            anthropic_tool_count: 2,
            ..claude
        };
        let got = count_chat(o200k(), &messages, &[], &with_tools);
        assert_eq!((got.claude_correction, got.total), (402, 429));
        // disabled: nothing added
        let off = CountOptions {
            claude_correction: false,
            ..with_tools
        };
        assert_eq!(count_chat(o200k(), &messages, &[], &off).total, 27);
        // grok: round((27 + 480) × 1.03 = 522.21) = 522
        let grok = CountOptions {
            anthropic_tool_count: 1,
            ..CountOptions {
                model: "grok-code-fast-1",
                ..claude
            }
        };
        let got = count_chat(o200k(), &messages, &[], &grok);
        assert_eq!((got.claude_correction, got.total), (495, 522));
        // other models are never corrected
        let gpt = CountOptions {
            model: "gpt-4o",
            ..with_tools
        };
        assert_eq!(
            count_chat(o200k(), &messages, &[], &gpt).claude_correction,
            0
        );
    }

    #[test]
    fn claude_code_mcp_tools_skip_the_tool_overhead() {
        let messages = simple_messages();
        // tool "mcp__fs__read": funcInit 7 + T("mcp__fs__read:") + funcEnd 12
        let tools = vec![json!({"type": "function", "function": {"name": "mcp__fs__read"}})];
        let plain = count_chat(o200k(), &messages, &tools, &opts("claude-sonnet-4"));
        let base = plain.total;
        assert_eq!(plain.tools, 19 + o200k().count("mcp__fs__read:") as u64);
        let round = |x: f64| (x + 0.5).floor() as u64;
        let opts = CountOptions {
            anthropic_tool_count: 1,
            anthropic_beta: Some("claude-code-20250219,interleaved-thinking-2025-05-14"),
            claude_correction: true,
            ..opts("claude-sonnet-4")
        };
        assert_eq!(
            count_chat(o200k(), &messages, &tools, &opts).total,
            round(base as f64 * 1.15)
        );
        // not claude-code: the +346 applies
        let other_beta = CountOptions {
            anthropic_beta: Some("other"),
            ..opts
        };
        assert_eq!(
            count_chat(o200k(), &messages, &tools, &other_beta).total,
            round((base + 346) as f64 * 1.15)
        );
        // claude-code without an mcp__ tool: the +346 applies
        let no_mcp = vec![json!({"type": "function", "function": {"name": "Read"}})];
        let base2 = count_chat(o200k(), &messages, &no_mcp, &opts).tools + 27;
        assert_eq!(
            count_chat(o200k(), &messages, &no_mcp, &opts).total,
            round((base2 + 346) as f64 * 1.15)
        );
    }

    #[test]
    fn javascript_string_conversions() {
        assert_eq!(js_string(Some(&json!(["string", "null"]))), "string,null");
        assert_eq!(js_string(Some(&json!([1, null, true]))), "1,,true");
        assert_eq!(js_string(Some(&json!({"a": 1}))), "[object Object]");
        assert_eq!(js_string(None), "undefined");
        assert_eq!(js_or(Some(&json!("")), "string"), "string");
        assert_eq!(js_or(Some(&json!(0)), "string"), "string");
        assert_eq!(
            js_json(&json!({"a": [1.0, 2.5, 1e-7, 1.5e21, "x\"y\n", null]})),
            r#"{"a":[1,2.5,1e-7,1.5e+21,"x\"y\n",null]}"#
        );
        // a property typed ["string","null"] with a description ending in "."
        // → T("x:string,null:Kind") plus propKey 3
        let t = o200k();
        let c = Counter {
            tok: t,
            k: Constants::for_model("gpt-4o"),
            claude: false,
        };
        let p = json!({"type": ["string", "null"], "description": "Kind."});
        assert_eq!(
            property_tokens(&c, "x", &p),
            3 + t.count("x:string,null:Kind") as i64
        );
        // non-object property: propKey only
        assert_eq!(property_tokens(&c, "x", &json!("str")), 3);
    }
}
