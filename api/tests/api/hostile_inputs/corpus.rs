//! The hostile values, by the kind of argument they are sent to. Each has a short label, so a
//! failure names it without printing a megabyte.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
pub struct Hostile {
    pub label: String,
    pub value: Value,
}

fn hostile(label: impl Into<String>, value: Value) -> Hostile {
    Hostile {
        label: label.into(),
        value,
    }
}

/// A string's label: itself when short and printable, else its length and start.
fn text(s: impl Into<String>) -> Hostile {
    let s = s.into();
    let label = if s.chars().count() <= 40 && !s.chars().any(char::is_control) {
        format!("{s:?}")
    } else {
        let start: String = s.chars().take(12).collect();
        format!("{} chars starting {start:?}", s.chars().count())
    };
    hostile(label, Value::String(s))
}

/// `plain` strings, then `more`: strings built in code (too long to write out) and values of
/// other JSON types.
fn texts(plain: &[&str], more: impl IntoIterator<Item = Hostile>) -> Vec<Hostile> {
    plain.iter().copied().map(text).chain(more).collect()
}

/// Deeper than this, `serde_json` refuses a request body before the server sees it, so values
/// given to the schema directly stay just under it (deeper ones go through HTTP, see
/// [`raw_json`]).
pub const JSON_DEPTH: usize = 120;

pub fn strings() -> Vec<Hostile> {
    texts(
        &[
            "",
            " ",
            "\t\n\r",
            "\u{0}",
            "a\u{0}b",
            "\u{1}\u{2}\u{1b}[31mred",
            "\u{a0}",
            "\u{200b}",
            "\u{feff}bom",
            "\u{2028}\u{2029}",
            "\u{202e}txt.exe\u{202c}",
            "\u{fffe}\u{ffff}",
            "\u{10ffff}",
            "😀",
            "👨‍👩‍👧‍👦",
            "e\u{301}",
            "İstanbul",
            "ß",
            "K",
            "ﷺ",
            "עברית",
            "中文",
            "%",
            "_",
            "\\",
            "%_\\",
            "'",
            "\"",
            "' OR '1'='1",
            "'; DROP TABLE fact_sheets; --",
            "1; SELECT pg_sleep(10)",
            "$1",
            "[a-z]",
            "^(a+)+$",
            "%s%s%s%n",
            "${jndi:ldap://x}",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "null",
            "true",
            "0",
            "-1",
            "1e999",
            "NaN",
            "{}",
            "{\"a\":1}",
            " leading",
            "two  spaces",
            "a@b.c",
            "@",
            "a@b@c.d",
            "http://",
            "javascript:alert(1)",
            "#1f77b4",
            "#zzzzzz",
            "30d",
            "-1d",
            "99999999999999999999d",
            "a",
            "A_1",
            "1a",
            "__typename",
            "SoftwareArtifact",
            "dev.wayfinder.change",
            "00000000-0000-0000-0000-000000000000",
            "2024-02-30",
            "+275760-09-13T00:00:00Z",
        ],
        [
            text("\u{0}".repeat(1_000)),
            text("x".repeat(256)),
            text("x".repeat(1_000_000)),
            text("é".repeat(3_000)),
            text("😀".repeat(5_000)),
            text(format!("a{}", "\u{301}".repeat(10_000))),
            text("\u{130}".repeat(200)),
            text("a".repeat(10_000)),
            text("a ".repeat(5_000)),
            text("%".repeat(10_000)),
            text(format!("https://{}", "a".repeat(10_000))),
            text(format!("{}@example.com", "a".repeat(10_000))),
            text("a".repeat(65)),
        ],
    )
}

/// The strings most likely to break something, for places checked by code that already got
/// [`strings`] elsewhere.
pub fn string_sample() -> Vec<Hostile> {
    texts(
        &[
            "",
            " ",
            "\u{0}",
            "\u{1}\u{2}\u{1b}[31mred",
            "\u{202e}txt.exe\u{202c}",
            "\u{fffe}\u{ffff}",
            "👨‍👩‍👧‍👦",
            "e\u{301}",
            "İstanbul",
            "%_\\",
            "'; DROP TABLE fact_sheets; --",
            "null",
            "1e999",
            "+275760-09-13T00:00:00Z",
        ],
        [
            text("x".repeat(1_000_000)),
            text("😀".repeat(5_000)),
            text(format!("a{}", "\u{301}".repeat(10_000))),
        ],
    )
}

pub fn ids() -> Vec<Hostile> {
    texts(
        &[
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "{01a248bc-bfda-71cf-83c5-8530a84f5389}",
            "urn:uuid:01a248bc-bfda-71cf-83c5-8530a84f5389",
            "01a248bcbfda71cf83c58530a84f5389",
            "01a248bc-bfda-71cf-83c5-8530a84f5389 ",
            "01a248bc-bfda-71cf-83c5-8530a84f538",
            "01a248bc-bfda-71cf-83c5-8530a84f5389\u{0}",
            "0",
            "-1",
            "",
            "' OR 1=1 --",
            "\u{0}",
        ],
        [
            text("x".repeat(100_000)),
            text("😀".repeat(1_000)),
            hostile("i64::MAX", json!(i64::MAX)),
            hostile("-1 (a number)", json!(-1)),
            hostile("0 (a number)", json!(0)),
            hostile("null", Value::Null),
            hostile("1.5", json!(1.5)),
            hostile("[]", json!([])),
            hostile("\"0x1\"", json!("0x1")),
            hostile("\"1e10\"", json!("1e10")),
        ],
    )
}

pub fn ints() -> Vec<Hostile> {
    vec![
        hostile("0", json!(0)),
        hostile("-1", json!(-1)),
        hostile("i32::MAX", json!(i32::MAX)),
        hostile("i32::MIN", json!(i32::MIN)),
        hostile("2^31", json!(2_147_483_648i64)),
        hostile("-2^31-1", json!(-2_147_483_649i64)),
        hostile("i64::MAX", json!(i64::MAX)),
        hostile("i64::MIN", json!(i64::MIN)),
        hostile("u64::MAX", json!(u64::MAX)),
        hostile("1e20", json!(1e20)),
        hostile("1.5", json!(1.5)),
        hostile("-0.0", json!(-0.0)),
        hostile("\"1\"", json!("1")),
        hostile("\"NaN\"", json!("NaN")),
        hostile("true", json!(true)),
        hostile("null", Value::Null),
        hostile("2^53", json!(9_007_199_254_740_992i64)),
        hostile("-2^53", json!(-9_007_199_254_740_992i64)),
        hostile("1000.0", json!(1000.0)),
        hostile("7", json!(7)),
    ]
}

pub fn floats() -> Vec<Hostile> {
    vec![
        hostile("0.0", json!(0.0)),
        hostile("-0.0", json!(-0.0)),
        hostile("5e-324", json!(5e-324)),
        hostile("1e-308", json!(1e-308)),
        hostile("1e308", json!(1e308)),
        hostile("-1e308", json!(-1e308)),
        hostile("f64::MAX", json!(f64::MAX)),
        hostile("f64::MIN", json!(f64::MIN)),
        hostile("2^53+1", json!(9_007_199_254_740_993i64)),
        hostile("i64::MIN", json!(i64::MIN)),
        hostile("u64::MAX", json!(u64::MAX)),
        hostile("\"NaN\"", json!("NaN")),
        hostile("\"Infinity\"", json!("Infinity")),
        hostile("\"-Infinity\"", json!("-Infinity")),
        hostile("\"1e999\"", json!("1e999")),
        hostile("null", Value::Null),
        hostile("0.1", json!(0.1)),
        hostile("1e-7", json!(1e-7)),
        hostile("-1.0", json!(-1.0)),
        hostile("123456789.123456789", json!(123_456_789.123_456_79)),
    ]
}

pub fn booleans() -> Vec<Hostile> {
    vec![
        hostile("true", json!(true)),
        hostile("false", json!(false)),
        hostile("null", Value::Null),
        hostile("\"true\"", json!("true")),
        hostile("1", json!(1)),
        hostile("[]", json!([])),
    ]
}

pub fn dates() -> Vec<Hostile> {
    texts(
        &[
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59.999999999Z",
            "+10000-01-01T00:00:00Z",
            "+262142-12-31T23:59:59Z",
            "+275760-09-13T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "-4713-11-24T00:00:00Z",
            "-4714-11-24T00:00:00Z",
            "-262143-01-01T00:00:00Z",
            "-271821-04-20T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "2023-02-29T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2024-01-01T00:00:00+99:99",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00-23:59",
            "2024-01-01T00:00:00+23:59",
            "2024-01-01T00:00:00",
            "2024-01-01",
            "2024-01-01t00:00:00z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00.1234567891234Z",
            "2024-06-30T23:59:60Z",
            "1900-01-01T00:00:00Z",
            "2038-01-19T03:14:08Z",
            "2024-01-01T00:00:00+00:00",
            "2024-01-01T00:00:00-00:00",
            "2024-W01-1",
            "20240101T000000Z",
            "2024-01-01T00:00:00Z ",
            "now",
            "",
        ],
        [
            hostile("0 (a number)", json!(0)),
            hostile("i64::MAX (a number)", json!(i64::MAX)),
            hostile("null", Value::Null),
        ],
    )
}

/// Values for an enum argument (`values` are its valid ones).
pub fn enums(values: &[String]) -> Vec<Hostile> {
    let mut out = vec![
        hostile("\"\"", json!("")),
        hostile("\"NOT_A_VALUE\"", json!("NOT_A_VALUE")),
        hostile("lower case", json!(values[0].to_lowercase())),
        hostile("1", json!(1)),
        hostile("null", Value::Null),
    ];
    out.extend(values.iter().map(|v| hostile(v.clone(), json!(v))));
    out
}

/// Values for a list argument whose valid element is `element`.
pub fn lists(element: &Value) -> Vec<Hostile> {
    vec![
        hostile("[]", json!([])),
        hostile("null", Value::Null),
        hostile("[null]", json!([null])),
        hostile("[[]]", json!([[]])),
        hostile("a bare element", element.clone()),
        hostile(
            "10,000 valid elements",
            Value::Array(vec![element.clone(); 10_000]),
        ),
        hostile(
            "10,000 numbers",
            Value::Array((0..10_000).map(|i| json!(i)).collect()),
        ),
    ]
}

/// Values for an input object argument.
pub fn objects() -> Vec<Hostile> {
    vec![
        hostile("null", Value::Null),
        hostile("{}", json!({})),
        hostile("[]", json!([])),
        hostile("\"x\"", json!("x")),
        hostile("an unknown field", json!({"unknownField": 1})),
    ]
}

/// Values for a JSON argument (and for the parts of a valid JSON value).
pub fn json_values() -> Vec<Hostile> {
    let nest =
        |depth: usize, leaf: Value, wrap: fn(Value) -> Value| (0..depth).fold(leaf, |v, _| wrap(v));
    let mut wide = Map::new();
    for i in 0..10_000 {
        wide.insert(format!("k{i}"), json!(i));
    }
    vec![
        hostile("null", Value::Null),
        hostile("true", json!(true)),
        hostile("0", json!(0)),
        hostile("-0.0", json!(-0.0)),
        hostile("1e308", json!(1e308)),
        hostile("-1e308", json!(-1e308)),
        hostile("u64::MAX", json!(u64::MAX)),
        hostile("[]", json!([])),
        hostile("{}", json!({})),
        hostile(
            format!("arrays {JSON_DEPTH} deep"),
            nest(JSON_DEPTH, json!(1), |v| json!([v])),
        ),
        hostile(
            format!("objects {JSON_DEPTH} deep"),
            nest(JSON_DEPTH, json!(1), |v| json!({ "a": v })),
        ),
        hostile(
            format!("NUL {JSON_DEPTH} deep"),
            nest(JSON_DEPTH, json!("\u{0}"), |v| json!({ "a": v })),
        ),
        hostile("10,000 keys", Value::Object(wide)),
        hostile(
            "10,000 strings",
            Value::Array((0..10_000).map(|i| json!(format!("v{i}"))).collect()),
        ),
        hostile(
            "in: 10,000",
            json!({ "in": (0..10_000).collect::<Vec<_>>() }),
        ),
        hostile("eq: null", json!({ "eq": null })),
        hostile("in: not a list", json!({ "in": "x" })),
        hostile("gte: a string", json!({ "gte": "x", "lt": [] })),
        hostile("isSet: yes", json!({ "isSet": "yes" })),
        hostile(
            "every operator",
            json!({ "eq": 1, "in": [1], "gt": 1, "isSet": true }),
        ),
        hostile("gt: 1e308", json!({ "gt": 1e308, "lte": -1e308 })),
        hostile("[null]", json!([null])),
        hostile("isSet: null", json!({ "isSet": null })),
        hostile("in: []", json!({ "in": [] })),
        hostile("in: nested lists", json!({ "in": [[1], {"a": 1}] })),
        hostile("empty key", json!({ "": 1 })),
        hostile("NUL key", json!({ "k\u{0}": 1 })),
        hostile("NUL value", json!({ "k": ["\u{0}"] })),
        hostile("1 MB string", json!("x".repeat(1_000_000))),
        hostile(
            "lifecycle with extreme dates",
            json!({ "plan": "+275760-01-01", "active": "-0001-01-01" }),
        ),
    ]
}

/// Values for an `after` argument: garbage and forged cursors (base64url of JSON).
pub fn cursors() -> Vec<Hostile> {
    let forged = |label: &str, json: &str| hostile(label, json!(URL_SAFE_NO_PAD.encode(json)));
    vec![
        hostile("\"!!!\"", json!("!!!")),
        hostile("\"====\"", json!("====")),
        hostile("padded base64", json!("e30=")),
        hostile(
            "not JSON",
            json!(URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x00])),
        ),
        forged("{}", "{}"),
        forged("[]", "[]"),
        forged("a number", "2147483647"),
        forged("a negative number", "-2147483649"),
        forged(
            "a name cursor with null",
            r#"{"f":"name","v":null,"id":"x"}"#,
        ),
        forged(
            "a name cursor with NUL",
            r#"{"f":"name","v":"a\u0000","id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#,
        ),
        forged(
            "an updatedAt cursor in year +275760",
            r#"{"f":"updatedAt","v":"+275760-01-01T00:00:00Z","id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#,
        ),
        forged(
            "an updatedAt cursor in year 0",
            r#"{"f":"updatedAt","v":"0000-01-01T00:00:00Z","id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#,
        ),
        forged(
            "a completion cursor of 1e308",
            r#"{"f":"completion","v":1e308,"id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#,
        ),
        forged(
            "an event cursor in year -262143",
            r#"{"t":"-262143-01-01T00:00:00Z","s":"x","e":"y"}"#,
        ),
        forged(
            "an event cursor in year +262142",
            r#"{"t":"+262142-01-01T00:00:00Z","s":"x","e":"y"}"#,
        ),
        forged(
            "an event cursor with NUL",
            r#"{"t":"2024-01-01T00:00:00Z","s":"\u0000","e":"y"}"#,
        ),
        forged(
            "a nil relation cursor",
            r#""00000000-0000-0000-0000-000000000000""#,
        ),
        hostile("100 KB of base64", json!("QUFB".repeat(25_000))),
        forged(
            "a completion cursor of -1e308",
            r#"{"f":"completion","v":-1e308,"id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#,
        ),
        forged(
            "a name cursor with a bad id",
            r#"{"f":"name","v":"a","id":"not-a-uuid"}"#,
        ),
        forged(
            "an updatedAt cursor with offset +99:99",
            r#"{"f":"updatedAt","v":"2024-01-01T00:00:00+99:99","id":"01a248bc-bfda-71cf-83c5-8530a84f5389"}"#,
        ),
        forged("a revision of i32::MIN", "-2147483648"),
        forged("a relation cursor that is no id", r#""x""#),
        forged("an event cursor without time", r#"{"s":"x","e":"y"}"#),
    ]
}

/// JSON texts no `serde_json::Value` can hold (lone surrogates) or that its parser refuses
/// (deeper than it recurses, numbers out of range): sent as raw request bodies over HTTP.
pub fn raw_json() -> Vec<(String, String)> {
    vec![
        ("a lone high surrogate".into(), r#""\ud800""#.into()),
        ("a lone low surrogate".into(), r#""\udc00x""#.into()),
        ("a reversed pair".into(), r#""\udc00\ud800""#.into()),
        ("a truncated pair".into(), r#""a\ud83d""#.into()),
        ("an escaped NUL".into(), r#""\u0000""#.into()),
        (
            "arrays 1,000 deep".into(),
            format!("{}1{}", "[".repeat(1_000), "]".repeat(1_000)),
        ),
        (
            "objects 1,000 deep".into(),
            format!("{}1{}", r#"{"a":"#.repeat(1_000), "}".repeat(1_000)),
        ),
        ("1e999".into(), "1e999".into()),
        (
            "a 30-digit integer".into(),
            "123456789012345678901234567890".into(),
        ),
    ]
}
