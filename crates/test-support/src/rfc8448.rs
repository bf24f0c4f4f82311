//! Reads the example handshakes of RFC 8448 straight from the RFC's text, so the tests use
//! the published bytes and not a hand copy of them.
//!
//! A trace section is a list of steps. Each step starts with a heading line indented three
//! spaces (`{server}  derive secret "tls13 c hs traffic":`) and holds labelled values
//! indented six spaces (`expanded (32 octets):  b3 ed db ...`), whose hex continues on
//! lines indented further. Page footers and headers between them are skipped.
//!
//! The RFC's text is vendored in this crate (`data/rfc8448.txt`, with its licence in
//! `data/README.md`) and compiled in, so the tests read nothing outside the repository and
//! cannot pass without it.

/// The text of RFC 8448, as published.
pub const RFC_8448: &str = include_str!("../data/rfc8448.txt");

/// The title lines of the traces' sections, for [`Trace::section`].
pub const SIMPLE: &str = "3.  Simple 1-RTT Handshake";
/// RFC 8448 §4.
pub const RESUMED: &str = "4.  Resumed 0-RTT Handshake";
/// RFC 8448 §5.
pub const HELLO_RETRY: &str = "5.  HelloRetryRequest";
/// RFC 8448 §6.
pub const CLIENT_AUTH: &str = "6.  Client Authentication";
/// RFC 8448 §7.
pub const COMPATIBILITY: &str = "7.  Compatibility Mode";
/// Every section with a trace, in order.
pub const SECTIONS: [&str; 5] = [SIMPLE, RESUMED, HELLO_RETRY, CLIENT_AUTH, COMPATIBILITY];

/// A handshake message a trace constructs.
#[derive(Clone, Debug)]
pub struct Message {
    /// `"client"` or `"server"`.
    pub side: &'static str,
    /// The message's name as the trace writes it (`ClientHello`, `EncryptedExtensions`).
    pub name: String,
    /// The whole message (type, length, body), as it enters the transcript.
    pub bytes: Vec<u8>,
}

/// One step of a trace: who did what, and the values it shows.
#[derive(Debug)]
pub struct Step {
    /// The heading without the indentation, e.g. `{client}  send alert record:`.
    pub heading: String,
    /// Labelled values in order: (`"complete record"`, bytes). Values that are not hex
    /// (e.g. `salt:  0 (all zero octets)`) are left out.
    pub values: Vec<(String, Vec<u8>)>,
}

impl Step {
    /// The value labelled `label`, if the step shows one.
    pub fn value(&self, label: &str) -> Option<&[u8]> {
        self.values
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_slice())
    }
}

/// The steps of one section of RFC 8448.
#[derive(Debug)]
pub struct Trace {
    /// Steps in the order the RFC lists them (which is the order they happen).
    pub steps: Vec<Step>,
}

impl Trace {
    /// Loads the section whose title line starts with `title` (e.g. `"3.  Simple 1-RTT"`),
    /// up to the next section title.
    pub fn section(title: &str) -> Trace {
        let text = RFC_8448;
        let start = text
            .lines()
            .position(|l| l.starts_with(title))
            .unwrap_or_else(|| panic!("no section {title:?} in RFC 8448"));
        let lines: Vec<&str> = text
            .lines()
            .skip(start + 1)
            .take_while(|l| !is_section_title(l))
            .collect();
        Trace {
            steps: parse_steps(&lines),
        }
    }

    /// The value `label` of the first step whose heading starts with `heading` and that
    /// shows such a value. Panics (failing the test) if there is none.
    pub fn value(&self, heading: &str, label: &str) -> &[u8] {
        self.steps
            .iter()
            .filter(|s| s.heading.starts_with(heading))
            .find_map(|s| s.value(label))
            .unwrap_or_else(|| panic!("RFC 8448 trace has no {label:?} under {heading:?}"))
    }

    /// Every step whose heading starts with `heading`.
    pub fn steps_named<'a>(&'a self, heading: &'a str) -> impl Iterator<Item = &'a Step> + 'a {
        self.steps
            .iter()
            .filter(move |s| s.heading.starts_with(heading))
    }

    /// Every handshake message the section constructs (`{side}  construct a(n) NAME
    /// handshake message`), in order. With a PSK (§4) the trace's "construct a ClientHello"
    /// shows the hello truncated before its binders (what the binder is computed over); the
    /// whole message, which the transcript holds, is the payload of the record that carries
    /// it, and is what is returned.
    pub fn messages(&self) -> Vec<Message> {
        self.steps
            .iter()
            .filter_map(|step| {
                let (side, rest) = if let Some(rest) = step.heading.strip_prefix("{client}  ") {
                    ("client", rest)
                } else {
                    ("server", step.heading.strip_prefix("{server}  ")?)
                };
                let rest = rest
                    .strip_prefix("construct a ")
                    .or_else(|| rest.strip_prefix("construct an "))?;
                let name = rest.strip_suffix(" handshake message:")?;
                let bytes = step.value(name)?.to_vec();
                Some(Message {
                    side,
                    name: name.to_string(),
                    bytes: self.with_binders(bytes),
                })
            })
            .collect()
    }

    /// The message `name` that `side` (`"client"`, `"server"`) constructs first.
    pub fn message(&self, side: &str, name: &str) -> Vec<u8> {
        self.messages()
            .into_iter()
            .find(|m| m.side == side && m.name == name)
            .map(|m| m.bytes)
            .unwrap_or_else(|| panic!("RFC 8448 trace has no {side} {name}"))
    }

    fn with_binders(&self, message: Vec<u8>) -> Vec<u8> {
        if message.first() != Some(&0x01) {
            return message;
        }
        self.steps_named("{client}  send handshake record")
            .filter_map(|s| s.value("payload"))
            .find(|p| p.len() > message.len() && p.starts_with(&message))
            .map_or(message, <[u8]>::to_vec)
    }
}

fn is_section_title(line: &str) -> bool {
    // "4.  Resumed 0-RTT Handshake": a digit at column 0 followed by ".  ".
    let mut chars = line.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_digit()) && line.contains(".  ")
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn parse_steps(lines: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // Whether the last line seen belongs to the heading (headings may wrap).
    let mut in_heading = false;
    for line in lines {
        if line.trim().is_empty() {
            in_heading = false;
            continue;
        }
        let indent = indentation(line);
        let body = line.trim();
        if indent == 3 && body.starts_with('{') {
            steps.push(Step {
                heading: body.to_string(),
                values: Vec::new(),
            });
            in_heading = true;
            continue;
        }
        let Some(step) = steps.last_mut() else {
            continue;
        };
        if in_heading && indent >= 6 {
            step.heading.push(' ');
            step.heading.push_str(body);
            continue;
        }
        if indent == 6 {
            if let Some((label, rest)) = body.split_once(':') {
                let (label, declared) = split_octets(label);
                if let Some(bytes) = parse_hex(rest) {
                    if let Some(n) = declared {
                        assert!(
                            bytes.len() <= n,
                            "{label} in {:?} is longer than declared",
                            step.heading
                        );
                    }
                    step.values.push((label.to_string(), bytes));
                } else if rest.trim() == "(empty)" {
                    step.values.push((label.to_string(), Vec::new()));
                }
            }
        } else if indent >= 9 {
            // Hex continuing the last value.
            if let (Some((_, bytes)), Some(more)) = (step.values.last_mut(), parse_hex(body)) {
                bytes.extend(more);
            }
        }
        // Anything else (page footers/headers at column 0, prose) is not part of a step.
    }
    steps
}

/// Splits `"complete record (201 octets)"` into `("complete record", Some(201))`.
fn split_octets(label: &str) -> (&str, Option<usize>) {
    if let Some(open) = label.rfind(" (") {
        if let Some(n) = label[open + 2..]
            .strip_suffix(" octets)")
            .and_then(|n| n.parse().ok())
        {
            return (&label[..open], Some(n));
        }
    }
    (label.trim(), None)
}

/// Parses space-separated hex octets; `None` if anything else is there.
fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    words
        .iter()
        .map(|w| {
            if w.len() == 2 {
                u8::from_str_radix(w, 16).ok()
            } else {
                None
            }
        })
        .collect()
}

/// Checks that the lengths the RFC declares match what was parsed, for every value of
/// every step (guards the parser against page breaks and wrapped headings).
pub fn check_declared_lengths(section_title: &str) {
    let text = RFC_8448;
    let trace = Trace::section(section_title);
    // Re-scan declared lengths from the text in order and compare.
    let start = text
        .lines()
        .position(|l| l.starts_with(section_title))
        .expect("section present");
    let declared: Vec<usize> = text
        .lines()
        .skip(start + 1)
        .take_while(|l| !is_section_title(l))
        .filter(|l| indentation(l) == 6)
        .filter_map(|l| l.trim().split_once(':'))
        .filter_map(|(label, rest)| {
            let (_, n) = split_octets(label);
            let n = n?;
            (parse_hex(rest).is_some() || rest.trim() == "(empty)").then_some(n)
        })
        .collect();
    let parsed: Vec<usize> = trace
        .steps
        .iter()
        .flat_map(|s| s.values.iter().map(|(_, v)| v.len()))
        .collect();
    assert_eq!(declared, parsed, "parsed lengths differ from declared ones");
}
