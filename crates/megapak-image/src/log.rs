//! One line of `nix ... --log-format internal-json` on stderr: `@nix {json}` for every log
//! event, anything else as it came (a Nix older than its logger's set-up, a builder hook, a
//! shell). Parsing never fails: a line that is not an event we understand stays text, so a
//! newer Nix degrades to showing its lines rather than to an error.

use serde::Deserialize;

use crate::activity::{ActivityType, Level, ResultType};

/// The prefix of every internal-json line.
const PREFIX: &str = "@nix ";

/// An activity's or a result's field: Nix sends integers and strings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Field {
    Int(u64),
    Text(String),
}

impl Field {
    pub fn as_int(&self) -> Option<u64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Text(_) => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            Self::Int(_) => None,
        }
    }
}

/// A log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An activity began.
    Start {
        id: u64,
        activity: ActivityType,
        /// What Nix would show, e.g. `building '/nix/store/…-hello-1.0.drv'`.
        text: String,
        fields: Vec<Field>,
        parent: u64,
    },
    /// An activity ended (successfully or not: failures come as messages).
    Stop { id: u64 },
    /// Something an activity reports: a log line, a phase, progress.
    Result {
        id: u64,
        result: ResultType,
        fields: Vec<Field>,
    },
    /// A message: an error, a warning, information.
    Message(Message),
}

/// A message, with terminal escapes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub level: Level,
    /// The message without Nix's `error: ` or `warning: ` prefix (its `raw_msg` where it has
    /// one).
    pub text: String,
    /// Where an evaluation error happened, when Nix says.
    pub position: Option<Position>,
}

/// A place in a Nix file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

/// A line of Nix's stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Event(Event),
    /// Not an internal-json event: shown as it is.
    Text(String),
}

#[derive(Deserialize)]
struct Raw {
    action: String,
    #[serde(default)]
    id: u64,
    #[serde(default, rename = "type")]
    kind: u64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    parent: u64,
    #[serde(default)]
    level: u64,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    raw_msg: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    column: Option<u64>,
}

/// Parses one line (without its newline).
pub fn parse_line(line: &str) -> Line {
    let Some(json) = line.strip_prefix(PREFIX) else {
        return Line::Text(strip_ansi(line));
    };
    match serde_json::from_str::<Raw>(json) {
        Ok(raw) => match event(raw) {
            Some(event) => Line::Event(event),
            None => Line::Text(strip_ansi(line)),
        },
        Err(_) => Line::Text(strip_ansi(line)),
    }
}

fn event(raw: Raw) -> Option<Event> {
    Some(match raw.action.as_str() {
        "start" => Event::Start {
            id: raw.id,
            activity: ActivityType::from_number(raw.kind),
            text: strip_ansi(&raw.text),
            fields: raw.fields,
            parent: raw.parent,
        },
        "stop" => Event::Stop { id: raw.id },
        "result" => Event::Result {
            id: raw.id,
            result: ResultType::from_number(raw.kind),
            fields: raw.fields,
        },
        "msg" => {
            let text = match (&raw.raw_msg, &raw.msg) {
                (Some(raw_msg), _) => strip_ansi(raw_msg),
                (None, Some(msg)) => {
                    let msg = strip_ansi(msg);
                    msg.strip_prefix("error: ")
                        .or_else(|| msg.strip_prefix("warning: "))
                        .map(str::to_owned)
                        .unwrap_or(msg)
                }
                (None, None) => return None,
            };
            let position = match (raw.file, raw.line) {
                (Some(file), Some(line)) => Some(Position {
                    file,
                    line,
                    column: raw.column.unwrap_or(0),
                }),
                _ => None,
            };
            Event::Message(Message {
                level: Level::from_number(raw.level),
                text,
                position,
            })
        }
        _ => return None,
    })
}

/// Removes terminal escape sequences (`ESC [ … letter`, `ESC ] … BEL`) that Nix puts in its
/// messages, and any other control character but newlines and tabs.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    // Parameters and intermediates, then one final byte in `@`..=`~`.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            }
        } else if !c.is_control() || c == '\n' || c == '\t' {
            out.push(c);
        }
    }
    out
}

/// The name part of a store path: `/nix/store/<hash>-hello-1.0.drv` gives `hello-1.0` (the
/// `.drv` removed), and any other text is returned as it is.
pub fn store_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    let base = base.strip_suffix(".drv").unwrap_or(base);
    match base.split_once('-') {
        Some((hash, name))
            if hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            name
        }
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_start_keeps_its_fields() {
        let line = r#"@nix {"action":"start","fields":["/nix/store/nbwmyyn2nkpmdi7wf1v14rq9gfisnxnx-dep-1.0.drv","",1,1],"id":7,"level":3,"parent":2,"text":"building '/nix/store/nbwmyyn2nkpmdi7wf1v14rq9gfisnxnx-dep-1.0.drv'","type":105}"#;
        let Line::Event(Event::Start {
            id,
            activity,
            fields,
            parent,
            ..
        }) = parse_line(line)
        else {
            panic!("not a start: {line}")
        };
        assert_eq!((id, activity, parent), (7, ActivityType::Build, 2));
        assert_eq!(fields[3], Field::Int(1));
        assert_eq!(store_name(fields[0].as_text().unwrap()), "dep-1.0");
    }

    #[test]
    fn an_error_message_loses_its_colours_and_prefix() {
        let line = r#"@nix {"action":"msg","column":13,"file":"/tmp/x/ok.nix","level":0,"line":7,"msg":"\u001b[31;1merror:\u001b[0m attribute '\u001b[35;1mnope\u001b[0m' missing","raw_msg":"attribute '\u001b[35;1mnope\u001b[0m' missing"}"#;
        let Line::Event(Event::Message(message)) = parse_line(line) else {
            panic!("not a message")
        };
        assert_eq!(message.level, Level::Error);
        assert_eq!(message.text, "attribute 'nope' missing");
        assert_eq!(
            message.position,
            Some(Position {
                file: "/tmp/x/ok.nix".into(),
                line: 7,
                column: 13
            })
        );
    }

    #[test]
    fn a_message_without_raw_msg_loses_the_error_prefix() {
        let line = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m boom"}"#;
        let Line::Event(Event::Message(message)) = parse_line(line) else {
            panic!("not a message")
        };
        assert_eq!(message.text, "boom");
        assert_eq!(message.position, None);
    }

    #[test]
    fn other_lines_stay_text() {
        assert_eq!(
            parse_line("warning: Git tree is dirty"),
            Line::Text("warning: Git tree is dirty".into())
        );
        assert_eq!(
            parse_line("@nix {not json"),
            Line::Text("@nix {not json".into())
        );
        assert_eq!(
            parse_line(r#"@nix {"action":"teleport"}"#),
            Line::Text(r#"@nix {"action":"teleport"}"#.into())
        );
    }

    #[test]
    fn escapes_and_controls_are_removed() {
        assert_eq!(strip_ansi("\u{1b}[35;1mred\u{1b}[0m\tok\r"), "red\tok");
        assert_eq!(
            strip_ansi("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}"),
            "link"
        );
    }

    #[test]
    fn store_names_lose_hash_and_drv() {
        assert_eq!(
            store_name(
                "/nix/store/s1f71vad118q06g1xaa3i1ng8kcfxpj6-torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl.drv"
            ),
            "torch-2.10.0-cp314-cp314-manylinux_2_28_x86_64.whl"
        );
        assert_eq!(store_name("hello-1.0"), "hello-1.0");
    }
}
