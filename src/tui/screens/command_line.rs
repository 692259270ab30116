//! The `:` command line (k9s's): one line in the footer where a command is typed and run with
//! Enter — `:apps`, `:audit`, `:authorized`, `:owner NAME`, `:q`, `:help` — with Tab completing
//! commands and owners' names and ↑/↓ going through the commands run before. It only reads what
//! was typed into a [`Command`]; the console carries the command out (see `update`), as it does
//! its own keys, so that `:q` asks before losing input exactly as `q` does.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Clear, Widget};
use unicode_width::UnicodeWidthStr;

use crate::tui::component::{Component, Ctx, DrawCtx, EventState};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Hint, KeyMap, hint};
use crate::tui::layout;
use crate::tui::session::Session;
use crate::tui::widgets::put;

/// What a command line asks the console to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Apps,
    Audit,
    Authorized,
    /// Switch to the owner at this index of the session's owners.
    Owner(usize),
    /// `:owner` alone: the owner switcher, to choose from.
    PickOwner,
    Quit,
    Help,
}

/// The commands as typed, and what each asks for; `owner` takes a name after it.
const COMMANDS: [(&str, Option<Command>); 6] = [
    ("apps", Some(Command::Apps)),
    ("audit", Some(Command::Audit)),
    ("authorized", Some(Command::Authorized)),
    ("owner", None),
    ("q", Some(Command::Quit)),
    ("help", Some(Command::Help)),
];

/// The commands as the messages list them.
const KNOWN: &str = ":apps, :audit, :authorized, :owner NAME, :q and :help";

pub struct CommandLine {
    field: TextField,
    /// The commands run before, oldest first.
    history: Vec<String>,
    /// While ↑/↓ go through `history`: the entry shown, and what was typed before.
    browsing: Option<(usize, String)>,
    /// The command Enter read, for the console to take.
    ran: Option<(Command, String)>,
}

impl CommandLine {
    pub fn new(history: Vec<String>) -> CommandLine {
        CommandLine {
            field: TextField::new("Command", None),
            history,
            browsing: None,
            ran: None,
        }
    }

    /// The command read, and the line as typed for the history, once Enter was pressed on a
    /// good one.
    pub fn take_ran(&mut self) -> Option<(Command, String)> {
        self.ran.take()
    }

    pub fn text(&self) -> &str {
        self.field.value()
    }

    fn set_text(&mut self, text: &str) {
        self.field = TextField::new("Command", None).with_value(text);
    }

    fn run(&mut self, ctx: &mut Ctx) {
        let typed = self.text().trim().to_owned();
        match parse(&typed, ctx.session) {
            Ok(command) => {
                self.ran = Some((command, typed));
                ctx.close = true;
            }
            Err(why) => ctx.error(why),
        }
    }

    fn complete(&mut self, ctx: &mut Ctx) {
        let typed = self.text().trim_start().to_owned();
        let (word, rest) = split(&typed);
        if rest.is_none() {
            let names: Vec<&str> = COMMANDS
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| name.starts_with(&word.to_lowercase()))
                .collect();
            match names.as_slice() {
                [] => ctx.error(format!(
                    "No command starts with {word:?}; the commands are {KNOWN}"
                )),
                ["owner"] => self.set_text("owner "),
                [one] => self.set_text(one),
                several => {
                    self.set_text(&common_start(several));
                    ctx.info(listed(several));
                }
            }
            return;
        }
        if word != "owner" {
            return;
        }
        let start = rest.unwrap_or_default().to_lowercase();
        let names: Vec<&str> = ctx
            .session
            .owners
            .iter()
            .map(|access| access.owner.name.as_str())
            .filter(|name| name.to_lowercase().starts_with(&start))
            .collect();
        match names.as_slice() {
            [] => ctx.error(format!(
                "No owner's name starts with {:?}; the owners are {}",
                rest.unwrap_or_default(),
                owner_names(ctx.session)
            )),
            [one] => self.set_text(&format!("owner {one}")),
            several => {
                self.set_text(&format!("owner {}", common_start(several)));
                ctx.info(several.join(" · "));
            }
        }
    }

    /// ↑ (`older`) or ↓ through the commands run before; past the newest, what was typed.
    fn browse(&mut self, older: bool) {
        let newest = self.history.len().checked_sub(1);
        let draft = self.text().to_owned();
        let next = match (&self.browsing, newest) {
            (_, None) => return,
            (None, Some(newest)) if older => Some((newest, draft)),
            (None, Some(_)) => return,
            (Some((at, draft)), Some(_)) if older => Some((at.saturating_sub(1), draft.clone())),
            (Some((at, draft)), Some(newest)) if *at < newest => Some((at + 1, draft.clone())),
            (Some((_, draft)), Some(_)) => {
                let draft = draft.clone();
                self.browsing = None;
                self.set_text(&draft);
                return;
            }
        };
        if let Some((at, draft)) = next {
            let shown = self.history[at].clone();
            self.browsing = Some((at, draft));
            self.set_text(&shown);
        }
    }
}

/// The command word and what follows it (`None` before a space is typed).
fn split(typed: &str) -> (&str, Option<&str>) {
    match typed.split_once(' ') {
        Some((word, rest)) => (word, Some(rest.trim_start())),
        None => (typed, None),
    }
}

/// What `typed` (without its `:`) asks for, or why it asks for nothing, naming what would.
pub fn parse(typed: &str, session: &Session) -> Result<Command, String> {
    let typed = typed.trim().trim_start_matches(':');
    let (word, rest) = split(typed);
    let rest = rest.filter(|rest| !rest.is_empty());
    let word = word.to_lowercase();
    let word = if word == "quit" { "q".to_owned() } else { word };
    let Some((name, command)) = COMMANDS.iter().find(|(name, _)| *name == word) else {
        return Err(if typed.is_empty() {
            format!("Type a command: {KNOWN}")
        } else {
            format!("Unknown command :{typed}; the commands are {KNOWN}")
        });
    };
    match (command, rest) {
        (Some(command), None) => Ok(*command),
        (Some(_), Some(_)) => Err(format!(":{name} takes nothing after it")),
        (None, None) => Ok(Command::PickOwner),
        (None, Some(wanted)) => owner_named(wanted, session).map(Command::Owner),
    }
}

/// The owner whose name (or SID) is `wanted`, any case, or the only one whose name starts so.
fn owner_named(wanted: &str, session: &Session) -> Result<usize, String> {
    let wanted_lower = wanted.to_lowercase();
    let owners = &session.owners;
    if let Some(index) = owners.iter().position(|access| {
        access.owner.name.to_lowercase() == wanted_lower || access.owner.sid.to_string() == wanted
    }) {
        return Ok(index);
    }
    let starting: Vec<usize> = (0..owners.len())
        .filter(|&i| {
            owners[i]
                .owner
                .name
                .to_lowercase()
                .starts_with(&wanted_lower)
        })
        .collect();
    match starting.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "No owner named {wanted:?}; the owners are {}",
            owner_names(session)
        )),
        several => Err(format!(
            "{wanted:?} could be {}; type more of the name (Tab completes)",
            several
                .iter()
                .map(|&i| owners[i].owner.name.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
}

fn owner_names(session: &Session) -> String {
    session
        .owners
        .iter()
        .map(|access| access.owner.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The longest start every one of `names` shares, any case, as the first writes it.
fn common_start(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut shared = first.chars().count();
    for name in &names[1..] {
        shared = first
            .chars()
            .zip(name.chars())
            .take(shared)
            .take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase()))
            .count();
    }
    first.chars().take(shared).collect()
}

fn listed(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!(":{name}"))
        .collect::<Vec<_>>()
        .join("  ")
}

impl Component for CommandLine {
    fn title(&self, _cx: &DrawCtx) -> String {
        "Command".to_owned()
    }

    /// Takes every key while open: what is typed is the command.
    fn key(&mut self, key: &KeyEvent, ctx: &mut Ctx) -> EventState {
        if keys::is_esc(key) || (key.code == KeyCode::Backspace && self.text().is_empty()) {
            ctx.close = true;
        } else if keys::is_enter(key) {
            self.run(ctx);
        } else if keys::is_next_field(key) {
            self.browsing = None;
            self.complete(ctx);
        } else if key.code == KeyCode::Up || key.code == KeyCode::Down {
            self.browse(key.code == KeyCode::Up);
        } else if self.field.handle_key(key) {
            self.browsing = None;
        }
        EventState::Consumed
    }

    /// A click anywhere closes it, as Esc does.
    fn click(&mut self, _at: Position, ctx: &mut Ctx) -> EventState {
        ctx.close = true;
        EventState::Consumed
    }

    fn scroll(&mut self, _down: bool, _ctx: &mut Ctx) -> EventState {
        EventState::Consumed
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) -> EventState {
        self.field.paste(text);
        EventState::Consumed
    }

    fn hints(&self, _keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("Enter", "run"),
            hint("Tab", "complete"),
            hint("↑↓", "history"),
            hint("Esc", "close"),
        ]
    }

    fn is_typing(&self) -> bool {
        true
    }

    /// Over the footer: ":" and what is typed, with the cursor, and its keys on the right.
    fn draw(&self, area: Rect, buf: &mut Buffer, cx: &DrawCtx) {
        let line = layout::chrome(area).footer;
        Clear.render(line, buf);
        let keys: String = self
            .hints(cx.keys)
            .iter()
            .map(|hint| format!("{} {}  ", hint.keys, hint.does))
            .collect();
        let keys_width = keys.width() as u16;
        let typing = Rect::new(line.x, line.y, line.width.saturating_sub(keys_width), 1);
        let at = put(buf, typing, line.x + 1, ":", cx.palette.key);
        let width = usize::from(typing.right().saturating_sub(at + 1));
        let (shown, cursor) = self.field.window(width);
        put(buf, typing, at, &shown, Style::default());
        let cursor = at + cursor.min(width) as u16;
        if cursor < typing.right() {
            buf[(cursor, line.y)].set_style(cx.palette.selected);
        }
        if typing.right() + keys_width <= line.right() && typing.width > 20 {
            put(buf, line, typing.right(), &keys, cx.palette.dim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_shares_the_start_of_every_candidate() {
        assert_eq!(common_start(&["apps", "audit", "authorized"]), "a");
        assert_eq!(common_start(&["audit", "authorized"]), "au");
        assert_eq!(common_start(&["Acme Corp", "acme labs"]), "Acme ");
        assert_eq!(common_start(&["owner"]), "owner");
    }
}
