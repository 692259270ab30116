//! Scenario files: key presses, typed text, clicks, waits and `snapshot NAME` marks, run headless
//! against a fresh store with a fixed clock and seeded randomness, printing the marked frames.
//! For keyboard-driven demos and the README's screen captures.
//!
//! ```text
//! # a comment
//! size 110 30          # the terminal, before the first step (default 110 × 30)
//! apps 12              # make 12 demo apps first
//! key n                # one key: a character or Enter, Tab, BackTab, Esc, Up, Down, Left,
//! key Tab Tab Enter    #   Right, Space, Backspace, Delete, Home, End, PageUp, PageDown, F1…F12,
//! key Ctrl-s           #   and Ctrl-x / Alt-x chords; several on one line
//! type My app          # the rest of the line, a key at a time
//! click 12 5           # a left click at column 12, row 5
//! wait 2d              # move the clock on
//! resize 80 24
//! snapshot wizard-step-1
//! ```

use ratatui::crossterm::event::KeyEvent;

use crate::model::Seconds;

/// The terminal size a scenario starts with unless it says otherwise.
pub const DEFAULT_SIZE: (u16, u16) = (110, 30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(KeyEvent),
    Text(String),
    Click(u16, u16),
    Wait(Seconds),
    Resize(u16, u16),
    Snapshot(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub size: (u16, u16),
    /// Demo apps to make before the first step.
    pub apps: usize,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ScenarioError {
    pub line: usize,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let mut scenario = Scenario {
        size: DEFAULT_SIZE,
        apps: 0,
        steps: Vec::new(),
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let fail = |message: String| ScenarioError { line, message };
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (word, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
        // Only `type` keeps its text whole; elsewhere a `#` starts a comment.
        let args = rest.split('#').next().unwrap_or("").trim();
        match word {
            "type" => scenario.steps.push(Step::Text(rest.to_owned())),
            "key" => {
                if args.is_empty() {
                    return Err(fail(
                        "`key` needs at least one key, e.g. `key Enter`".into(),
                    ));
                }
                for name in args.split_whitespace() {
                    scenario
                        .steps
                        .push(Step::Key(parse_key(name).map_err(fail)?));
                }
            }
            "click" | "resize" | "size" => {
                let numbers: Vec<u16> = args
                    .split_whitespace()
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        fail(format!(
                            "`{word}` takes two whole numbers, e.g. `{word} 10 5`"
                        ))
                    })?;
                let [a, b] = numbers[..] else {
                    return Err(fail(format!(
                        "`{word}` takes two whole numbers, e.g. `{word} 10 5`"
                    )));
                };
                match word {
                    "click" => scenario.steps.push(Step::Click(a, b)),
                    _ if a < 20 || b < 8 => {
                        return Err(fail(format!("{a} × {b} is too small; use at least 20 × 8")));
                    }
                    "resize" => scenario.steps.push(Step::Resize(a, b)),
                    _ => scenario.size = (a, b),
                }
            }
            "wait" => {
                let by = args.parse::<Seconds>().map_err(|e| fail(e.to_string()))?;
                scenario.steps.push(Step::Wait(by));
            }
            "apps" => {
                scenario.apps = args
                    .parse()
                    .ok()
                    .filter(|n| *n <= 100_000)
                    .ok_or_else(|| fail("`apps` takes a number from 0 to 100000".into()))?;
            }
            "snapshot" => {
                if args.is_empty() {
                    return Err(fail("`snapshot` needs a name".into()));
                }
                scenario.steps.push(Step::Snapshot(args.to_owned()));
            }
            other => {
                return Err(fail(format!(
                    "'{other}' is not a step: use key, type, click, wait, resize, size, apps or snapshot"
                )));
            }
        }
    }
    Ok(scenario)
}

pub use super::keys::parse_key;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn a_scenario_reads_each_kind_of_step() {
        let scenario = parse(
            "# demo\nsize 80 24\napps 3\nkey n Tab Ctrl-s\ntype My app # not a comment\nclick 3 4\nwait 1h\nsnapshot first # named\n",
        )
        .unwrap();
        assert_eq!(scenario.size, (80, 24));
        assert_eq!(scenario.apps, 3);
        assert_eq!(
            scenario.steps,
            vec![
                Step::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
                Step::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
                Step::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
                Step::Text("My app # not a comment".into()),
                Step::Click(3, 4),
                Step::Wait(Seconds::HOUR),
                Step::Snapshot("first".into()),
            ]
        );
    }

    #[test]
    fn mistakes_name_their_line_and_what_to_write() {
        let error = parse("key n\nkey Hyper-x\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("'Hyper-x' is not a key"));
        assert!(parse("size 5 5").unwrap_err().message.contains("too small"));
        assert!(
            parse("jump 3")
                .unwrap_err()
                .message
                .contains("is not a step")
        );
        assert!(parse("wait soon").unwrap_err().message.contains("like 90s"));
    }

    const NAMED: [(&str, KeyCode); 15] = [
        ("Enter", KeyCode::Enter),
        ("Tab", KeyCode::Tab),
        ("BackTab", KeyCode::BackTab),
        ("Esc", KeyCode::Esc),
        ("Up", KeyCode::Up),
        ("Down", KeyCode::Down),
        ("Left", KeyCode::Left),
        ("Right", KeyCode::Right),
        ("Space", KeyCode::Char(' ')),
        ("Backspace", KeyCode::Backspace),
        ("Delete", KeyCode::Delete),
        ("Home", KeyCode::Home),
        ("End", KeyCode::End),
        ("PageUp", KeyCode::PageUp),
        ("PageDown", KeyCode::PageDown),
    ];

    /// A key and the name a scenario writes for it.
    fn key() -> impl Strategy<Value = (String, KeyEvent)> {
        let code = prop_oneof![
            proptest::sample::select(NAMED.to_vec())
                .prop_map(|(name, code)| (name.to_owned(), code)),
            (1..=12u8).prop_map(|n| (format!("F{n}"), KeyCode::F(n))),
            // Any character but whitespace and `#`, which starts a comment.
            any::<char>()
                .prop_filter("a key's own character", |c| !c.is_whitespace() && *c != '#')
                .prop_map(|c| (c.to_string(), KeyCode::Char(c))),
        ];
        (code, any::<bool>(), any::<bool>()).prop_map(|((name, code), ctrl, alt)| {
            let mut modifiers = KeyModifiers::NONE;
            let mut written = name;
            if alt {
                modifiers |= KeyModifiers::ALT;
                written = format!("Alt-{written}");
            }
            if ctrl {
                modifiers |= KeyModifiers::CONTROL;
                written = format!("Ctrl-{written}");
            }
            (written, KeyEvent::new(code, modifiers))
        })
    }

    /// A step and the line a scenario writes for it.
    fn step() -> impl Strategy<Value = (String, Step)> {
        prop_oneof![
            key().prop_map(|(name, key)| (format!("key {name}"), Step::Key(key))),
            "[^\r\n]{0,30}".prop_map(|text| (format!("type {text}"), Step::Text(text))),
            (any::<u16>(), any::<u16>())
                .prop_map(|(x, y)| (format!("click {x} {y}"), Step::Click(x, y))),
            any::<u32>().prop_map(|s| (format!("wait {}", Seconds(s)), Step::Wait(Seconds(s)))),
            (20..=u16::MAX, 8..=u16::MAX)
                .prop_map(|(w, h)| (format!("resize {w} {h}"), Step::Resize(w, h))),
            r"[^#\s][^#\r\n]{0,20}[^#\s]"
                .prop_map(|name| (format!("snapshot {name}"), Step::Snapshot(name))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn a_written_scenario_reads_back_as_the_same_steps(
            size in (20..=u16::MAX, 8..=u16::MAX),
            apps in 0..=100_000usize,
            steps in proptest::collection::vec(step(), 0..20),
            comment in "(# [^\r\n]{0,20})?",
        ) {
            let mut text = format!("size {} {}\napps {apps} {comment}\n", size.0, size.1);
            for (line, _) in &steps {
                text.push_str(line);
                text.push('\n');
            }
            let expected = Scenario {
                size,
                apps,
                steps: steps.into_iter().map(|(_, step)| step).collect(),
            };
            prop_assert_eq!(parse(&text), Ok(expected), "{}", text);
        }

        #[test]
        fn any_text_is_a_scenario_or_a_mistake_on_one_of_its_lines(
            lines in proptest::collection::vec(
                prop_oneof![
                    any::<String>(),
                    step().prop_map(|(line, _)| line),
                    "(key|type|click|wait|resize|size|apps|snapshot)( [ -~]{0,12}){0,3}",
                ],
                0..12,
            ),
        ) {
            let text = lines.join("\n");
            if let Err(error) = parse(&text) {
                prop_assert!((1..=text.lines().count()).contains(&error.line), "{}", error);
                prop_assert!(!error.message.is_empty());
            }
        }
    }
}
