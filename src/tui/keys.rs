//! Key bindings as data (gitui's `key_list.rs`): one table of the console's actions, each with its
//! default keys, the label the footer shows for them, what it does, and where it is live. The
//! footer, the `?` overlay and every component's dispatch read the same [`KeyMap`], so a key
//! rebound in `keys.toml` (in the config directory) is the key the footer names and the key that
//! works. Moving and editing keys (arrows and hjkl, Tab, Enter, Esc, Space, PgUp/PgDn, Home/End)
//! are not in the table: every list and field shares them, and the helpers below match them so
//! that they behave the same on every screen; a binding may not take one where it is in use.

use std::borrow::Cow;
use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key press asks for, named in `keys.toml` by [`Binding::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Help,
    Quit,
    SwitchOwner,
    CommandLine,
    NewApp,
    DeleteApp,
    DeleteThisApp,
    Export,
    Import,
    Filter,
    Sort,
    AuditEvents,
    TokenTool,
    AuthorizedApps,
    Reload,
    Edit,
    RotateSecret,
    EndGrace,
    CopyClientId,
    CopyAuthorizationUrl,
    EventType,
    EventApp,
    Revoke,
    Copy,
    GotIt,
    SelectArea,
    SearchScopes,
    Save,
    Yes,
    No,
}

/// Where an action's keys are live. Two actions live together may not share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Every screen, while no field has the cursor.
    Everywhere,
    AppsList,
    /// An app's detail view.
    App,
    AuditEvents,
    AuthorizedApps,
    SecretPage,
    /// The scopes list of the wizard and of the Access settings editor.
    ScopeList,
    /// The create wizard's steps and the detail view's editors.
    Form,
    /// A confirmation dialog.
    Confirm,
}

impl Context {
    fn describe(self) -> &'static str {
        match self {
            Context::Everywhere => "everywhere",
            Context::AppsList => "on the apps list",
            Context::App => "on an app's screen",
            Context::AuditEvents => "on the audit events",
            Context::AuthorizedApps => "on the authorized applications",
            Context::SecretPage => "on a Copy secret page",
            Context::ScopeList => "in the scopes list",
            Context::Form => "in a form",
            Context::Confirm => "in a confirmation",
        }
    }
}

/// The contexts live at the same time: an app's Audit events tab has the app's keys and the
/// events' keys, the scopes list has the form's. Within one group every key does one thing.
const LIVE_TOGETHER: [&[Context]; 8] = [
    &[Context::Everywhere, Context::AppsList],
    &[Context::Everywhere, Context::App, Context::AuditEvents],
    &[Context::Everywhere, Context::App, Context::AuthorizedApps],
    &[Context::Everywhere, Context::AuditEvents],
    &[Context::Everywhere, Context::AuthorizedApps],
    &[Context::Everywhere, Context::SecretPage],
    &[Context::Everywhere, Context::Form, Context::ScopeList],
    &[Context::Confirm],
];

/// A key as bound: a code and the modifiers it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn char(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    pub const fn code(code: KeyCode) -> Key {
        Key {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    /// Whether `event` is this key. A character ignores Shift (it is in the character already);
    /// Control and Alt must be as bound.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let chord = KeyModifiers::CONTROL | KeyModifiers::ALT;
        match self.code {
            KeyCode::Char(_) => {
                event.code == self.code && (event.modifiers & chord) == (self.modifiers & chord)
            }
            _ => event.code == self.code && event.modifiers == self.modifiers,
        }
    }

    /// The key as the footer writes it: `x`, `Ctrl-S`, `Delete`, `F5`.
    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            // The names parse_key reads, so that a label can be written back into keys.toml.
            KeyCode::Delete => "Delete".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::PageUp => "PageUp".to_owned(),
            KeyCode::PageDown => "PageDown".to_owned(),
            other => other.to_string(),
        };
        let mut label = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        label.push_str(&name);
        label
    }

    fn from_event(event: KeyEvent) -> Key {
        let modifiers = match event.code {
            KeyCode::Char(_) => event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT),
            _ => event.modifiers,
        };
        Key {
            code: event.code,
            modifiers,
        }
    }
}

/// One action of the table.
pub struct Binding {
    pub action: Action,
    /// Its name in `keys.toml`.
    pub name: &'static str,
    pub keys: &'static [Key],
    /// How the footer writes the default keys (`R` for R and F5, where F5 is a habit).
    pub label: &'static str,
    /// What the footer and `?` say it does.
    pub does: &'static str,
    pub contexts: &'static [Context],
    /// Whether the footer keeps its hint when the line is short (see [`Hint::is_kept`]).
    pub kept: bool,
}

const fn bind(
    action: Action,
    name: &'static str,
    keys: &'static [Key],
    label: &'static str,
    does: &'static str,
    contexts: &'static [Context],
) -> Binding {
    Binding {
        action,
        name,
        keys,
        label,
        does,
        contexts,
        kept: false,
    }
}

impl Binding {
    /// The binding, kept in the footer however many other keys a screen has.
    const fn kept(self) -> Binding {
        Binding { kept: true, ..self }
    }
}

use Context as C;

/// Every action, its default keys, and where it is live.
pub const BINDINGS: [Binding; 30] = [
    bind(
        Action::Help,
        "help",
        &[Key::char('?')],
        "?",
        "help",
        &[C::Everywhere],
    )
    .kept(),
    bind(
        Action::Quit,
        "quit",
        &[Key::char('q')],
        "q",
        "quit",
        &[C::Everywhere],
    )
    .kept(),
    bind(
        Action::SwitchOwner,
        "switch_owner",
        &[Key::char('o')],
        "o",
        "owner",
        &[C::Everywhere],
    ),
    bind(
        Action::CommandLine,
        "command_line",
        &[Key::char(':')],
        ":",
        "command",
        &[C::Everywhere],
    ),
    bind(
        Action::NewApp,
        "new_app",
        &[Key::char('n')],
        "n",
        "new app",
        &[C::AppsList],
    ),
    bind(
        Action::DeleteApp,
        "delete_app",
        &[Key::char('d'), Key::code(KeyCode::Delete)],
        "d",
        "delete",
        &[C::AppsList],
    ),
    // Delete revokes on an app's Authorized applications tab, as on the organization's list.
    bind(
        Action::DeleteThisApp,
        "delete_this_app",
        &[Key::char('d')],
        "d",
        "delete",
        &[C::App],
    ),
    bind(
        Action::Export,
        "export",
        &[Key::char('x')],
        "x",
        "export",
        &[C::AppsList],
    ),
    bind(
        Action::Import,
        "import",
        &[Key::char('i')],
        "i",
        "import",
        &[C::AppsList],
    ),
    bind(
        Action::Filter,
        "filter",
        &[Key::char('/')],
        "/",
        "filter",
        &[C::AppsList],
    ),
    bind(
        Action::Sort,
        "sort",
        &[Key::char('s')],
        "s",
        "sort",
        &[C::AppsList],
    ),
    bind(
        Action::AuditEvents,
        "audit_events",
        &[Key::char('a')],
        "a",
        "audit",
        &[C::AppsList],
    ),
    bind(
        Action::TokenTool,
        "token_tool",
        &[Key::char('T')],
        "T",
        "token",
        &[C::AppsList, C::App],
    ),
    bind(
        Action::AuthorizedApps,
        "authorized_apps",
        &[Key::char('A')],
        "A",
        "authorized apps",
        &[C::AppsList],
    ),
    bind(
        Action::Reload,
        "reload",
        &[Key::char('R'), Key::code(KeyCode::F(5))],
        "R",
        "reload",
        &[C::AppsList, C::App, C::AuditEvents, C::AuthorizedApps],
    ),
    bind(
        Action::Edit,
        "edit",
        &[Key::char('e')],
        "e",
        "edit",
        &[C::App],
    ),
    bind(
        Action::RotateSecret,
        "rotate_secret",
        &[Key::char('r')],
        "r",
        "rotate secret",
        &[C::App],
    ),
    // Not g: that goes to the top of the app's audit events.
    bind(
        Action::EndGrace,
        "end_grace",
        &[Key::char('E')],
        "E",
        "end grace",
        &[C::App],
    ),
    bind(
        Action::CopyClientId,
        "copy_client_id",
        &[Key::char('c')],
        "c",
        "copy client ID",
        &[C::App],
    ),
    // Authorization-code apps only: the URL a person is sent to, too long to show whole.
    bind(
        Action::CopyAuthorizationUrl,
        "copy_authorization_url",
        &[Key::char('u')],
        "u",
        "copy authorization URL",
        &[C::App],
    ),
    bind(
        Action::EventType,
        "event_type",
        &[Key::char('t')],
        "t",
        "event type",
        &[C::AuditEvents],
    ),
    bind(
        Action::EventApp,
        "event_app",
        &[Key::char('f')],
        "f",
        "this event's app",
        &[C::AuditEvents],
    ),
    bind(
        Action::Revoke,
        "revoke",
        &[Key::char('x'), Key::code(KeyCode::Delete)],
        "x",
        "revoke",
        &[C::AuthorizedApps],
    ),
    bind(
        Action::Copy,
        "copy",
        &[Key::char('c')],
        "c",
        "copy",
        &[C::SecretPage],
    ),
    bind(
        Action::GotIt,
        "got_it",
        &[Key::char('g')],
        "g",
        "Got it!",
        &[C::SecretPage],
    ),
    bind(
        Action::SelectArea,
        "select_area",
        &[Key::char('a')],
        "a",
        "whole area (or its matches)",
        &[C::ScopeList],
    ),
    bind(
        Action::SearchScopes,
        "search_scopes",
        &[Key::char('/')],
        "/",
        "search",
        &[C::ScopeList],
    ),
    bind(
        Action::Save,
        "save",
        &[Key::ctrl('s')],
        "Ctrl-S",
        "save",
        &[C::Form],
    ),
    bind(
        Action::Yes,
        "yes",
        &[Key::char('y')],
        "y",
        "yes",
        &[C::Confirm],
    ),
    bind(
        Action::No,
        "no",
        &[Key::char('n')],
        "n",
        "no",
        &[C::Confirm],
    ),
];

fn binding(action: Action) -> &'static Binding {
    // Every action has its row: the table test checks it.
    BINDINGS
        .iter()
        .find(|b| b.action == action)
        .unwrap_or(&BINDINGS[0])
}

/// The actions that change what people manage. A read-only console ([`KeyMap::reading_only`])
/// binds none of them, so that their keys, footer entries, `?` lines and buttons are gone
/// together; the service refuses the changes whatever the console shows.
const CHANGES: [Action; 8] = [
    Action::NewApp,
    Action::DeleteApp,
    Action::DeleteThisApp,
    Action::Import,
    Action::Edit,
    Action::RotateSecret,
    Action::EndGrace,
    Action::Revoke,
];

/// Keys that move, type and press everywhere they are live, which no binding may take there.
const FIXED: [(Key, &str, &[Context]); 20] = {
    const ALL: &[Context] = &[
        C::Everywhere,
        C::AppsList,
        C::App,
        C::AuditEvents,
        C::AuthorizedApps,
        C::SecretPage,
        C::ScopeList,
        C::Form,
        C::Confirm,
    ];
    const LISTS: &[Context] = &[
        C::AppsList,
        C::AuditEvents,
        C::AuthorizedApps,
        C::ScopeList,
        C::SecretPage,
    ];
    const SIDEWAYS: &[Context] = &[C::App, C::ScopeList, C::Confirm];
    [
        (Key::code(KeyCode::Enter), "opens and presses", ALL),
        (Key::code(KeyCode::Esc), "goes back", ALL),
        (Key::code(KeyCode::Tab), "moves to the next field", ALL),
        (
            Key::code(KeyCode::BackTab),
            "moves to the previous field",
            ALL,
        ),
        (Key::ctrl('c'), "quits", ALL),
        (Key::char(' '), "presses and selects", ALL),
        (Key::code(KeyCode::Up), "moves up", ALL),
        (Key::code(KeyCode::Down), "moves down", ALL),
        (Key::char('k'), "moves up", LISTS),
        (Key::char('j'), "moves down", LISTS),
        (Key::code(KeyCode::PageUp), "pages up", LISTS),
        (Key::code(KeyCode::PageDown), "pages down", LISTS),
        (Key::code(KeyCode::Home), "goes to the top", LISTS),
        (Key::code(KeyCode::End), "goes to the end", LISTS),
        (
            Key::char('g'),
            "goes to the top",
            &[C::AppsList, C::AuditEvents, C::AuthorizedApps, C::ScopeList],
        ),
        (Key::char('G'), "goes to the end", LISTS),
        (Key::code(KeyCode::Left), "moves left", SIDEWAYS),
        (Key::code(KeyCode::Right), "moves right", SIDEWAYS),
        (Key::char('h'), "moves left", SIDEWAYS),
        (Key::char('l'), "moves right", SIDEWAYS),
    ]
};

/// A key that types a character: in a form it goes into the field with the cursor.
fn is_typed(key: &Key) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// The tab keys of an app's screen: 1 to 9 pick a tab.
fn is_tab_number(key: &Key) -> bool {
    matches!(key.code, KeyCode::Char('1'..='9')) && key.modifiers.is_empty()
}

/// The bindings in force: the table's defaults, with a `keys.toml`'s changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyMap {
    /// Only the actions `keys.toml` rebound; the rest use the table's keys and label.
    changed: BTreeMap<Action, Vec<Key>>,
    /// The signed-in user is read-only: the actions of [`CHANGES`] have no keys.
    read_only: bool,
}

impl KeyMap {
    /// The same bindings for a user who is read-only (or not): every change's action loses its
    /// keys while it is, and gets them back when it is not.
    pub fn reading_only(self, read_only: bool) -> KeyMap {
        KeyMap { read_only, ..self }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Whether `action` has a key: not a change while read-only.
    pub fn is_bound(&self, action: Action) -> bool {
        !(self.read_only && CHANGES.contains(&action))
    }

    /// What a key unbound because it is a change would have done, so that pressing it says
    /// why nothing happens.
    pub fn unbound_change(&self, event: &KeyEvent) -> Option<&'static str> {
        if !self.read_only {
            return None;
        }
        CHANGES.iter().find_map(|action| {
            self.bound_keys(*action)
                .iter()
                .any(|key| key.matches(event))
                .then_some(binding(*action).does)
        })
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        if self.is_bound(action) {
            self.bound_keys(action)
        } else {
            &[]
        }
    }

    /// The action's keys, the table's or `keys.toml`'s, bound or not.
    fn bound_keys(&self, action: Action) -> &[Key] {
        match self.changed.get(&action) {
            Some(keys) => keys,
            None => binding(action).keys,
        }
    }

    /// Whether `event` asks for `action`.
    pub fn is(&self, action: Action, event: &KeyEvent) -> bool {
        self.keys(action).iter().any(|key| key.matches(event))
    }

    /// How the footer writes `action`'s keys: the table's label, or the keys rebound.
    pub fn label(&self, action: Action) -> Cow<'static, str> {
        match self.changed.get(&action) {
            Some(keys) => Cow::Owned(keys.iter().map(Key::label).collect::<Vec<_>>().join("/")),
            None => Cow::Borrowed(binding(action).label),
        }
    }

    /// The footer's entry for `action`, saying what the table says it does.
    pub fn hint(&self, action: Action) -> Hint {
        self.hint_as(action, binding(action).does)
    }

    /// The footer's entry for `action`, saying what it does on this screen.
    pub fn hint_as(&self, action: Action, does: &'static str) -> Hint {
        Hint {
            keys: self.label(action),
            does,
            action: Some(action),
        }
    }

    /// One entry for two actions that go together, as `x/i export/import`.
    pub fn hint_pair(&self, first: Action, second: Action, does: &'static str) -> Hint {
        if !self.is_bound(second) {
            return self.hint(first);
        }
        Hint {
            keys: Cow::Owned(format!("{}/{}", self.label(first), self.label(second))),
            does,
            action: None,
        }
    }

    /// The table with `keys.toml`'s changes, or why the file is refused (one line naming the
    /// file, the line and what is wrong); `file` names it in that line. A refused file changes
    /// nothing: a half-applied one could leave two actions on one key.
    pub fn from_toml(text: &str, file: &str) -> Result<KeyMap, KeysFileError> {
        let table = toml::de::DeTable::parse(text).map_err(|error| KeysFileError::Syntax {
            file: file.to_owned(),
            why: error
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        })?;
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mut map = KeyMap::default();
        let mut lines = BTreeMap::new();
        for (name, value) in table.get_ref() {
            let line = line_of(name.span().start);
            let name = name.get_ref().as_ref();
            let Some(found) = BINDINGS.iter().find(|b| b.name == name) else {
                return Err(KeysFileError::UnknownAction {
                    file: file.to_owned(),
                    line,
                    name: name.to_owned(),
                    suggestion: suggest(name),
                });
            };
            let names: Vec<&str> = match value.get_ref() {
                toml::de::DeValue::String(key) => vec![key.as_ref()],
                toml::de::DeValue::Array(keys) => {
                    let mut names = Vec::new();
                    for key in keys {
                        match key.get_ref() {
                            toml::de::DeValue::String(key) => names.push(key.as_ref()),
                            _ => {
                                return Err(KeysFileError::NotKeys {
                                    file: file.to_owned(),
                                    line,
                                    action: found.name,
                                });
                            }
                        }
                    }
                    names
                }
                _ => {
                    return Err(KeysFileError::NotKeys {
                        file: file.to_owned(),
                        line,
                        action: found.name,
                    });
                }
            };
            if names.is_empty() {
                return Err(KeysFileError::NotKeys {
                    file: file.to_owned(),
                    line,
                    action: found.name,
                });
            }
            let mut keys = Vec::new();
            for key_name in names {
                let key = parse_key(key_name).map_err(|why| KeysFileError::NotAKey {
                    file: file.to_owned(),
                    line,
                    action: found.name,
                    why,
                })?;
                keys.push(Key::from_event(key));
            }
            map.changed.insert(found.action, keys);
            lines.insert(found.action, line);
        }
        if let Some(clash) = map.first_clash() {
            // The line of the rebound one of the two; with both rebound, the later one.
            let both = [Some(clash.action), clash.other];
            let (line, named) = both
                .iter()
                .flatten()
                .filter_map(|action| lines.get(action).map(|line| (*line, *action)))
                .max()
                .unwrap_or((1, clash.action));
            let other = both.into_iter().flatten().find(|action| *action != named);
            return Err(KeysFileError::Clash {
                file: file.to_owned(),
                line,
                action: binding(named).name,
                key: clash.key.label(),
                taken_by: match other {
                    Some(other) => format!("{}'s key", binding(other).name),
                    None => format!("the key that {}", clash.fixed),
                },
                context: clash.context.describe(),
            });
        }
        Ok(map)
    }

    /// Two actions live together on one key, or an action on a key that moves or types there.
    fn first_clash(&self) -> Option<Clash> {
        for group in LIVE_TOGETHER {
            let mut seen: Vec<(Key, Action, Context)> = Vec::new();
            for binding in BINDINGS.iter() {
                let Some(context) = binding.contexts.iter().copied().find(|c| group.contains(c))
                else {
                    continue;
                };
                for key in self.keys(binding.action) {
                    // A moving key live anywhere in the group takes the key first there: an app's
                    // action on `g` would be "go to the top" on its Audit events tab.
                    if let Some((fixed, live)) =
                        FIXED.iter().find_map(|(fixed_key, fixed, live)| {
                            let here = live.iter().copied().find(|c| group.contains(c))?;
                            (fixed_key == key).then_some((fixed, here))
                        })
                    {
                        return Some(Clash {
                            action: binding.action,
                            other: None,
                            key: *key,
                            fixed,
                            context: live,
                        });
                    }
                    if context == Context::Form && is_typed(key) {
                        return Some(Clash {
                            action: binding.action,
                            other: None,
                            key: *key,
                            fixed: "types into a field",
                            context,
                        });
                    }
                    if context == Context::App && is_tab_number(key) {
                        return Some(Clash {
                            action: binding.action,
                            other: None,
                            key: *key,
                            fixed: "picks a tab",
                            context,
                        });
                    }
                    if let Some((_, other, _)) = seen
                        .iter()
                        .find(|(seen, other, _)| seen == key && *other != binding.action)
                    {
                        return Some(Clash {
                            action: binding.action,
                            other: Some(*other),
                            key: *key,
                            fixed: "",
                            context,
                        });
                    }
                    seen.push((*key, binding.action, context));
                }
            }
        }
        None
    }
}

struct Clash {
    action: Action,
    other: Option<Action>,
    key: Key,
    /// What the key does already when no other action has it.
    fixed: &'static str,
    context: Context,
}

/// The action whose name is closest to a misspelt one: one containing it, or sharing its start.
fn suggest(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    BINDINGS
        .iter()
        .map(|b| b.name)
        .find(|candidate| candidate.contains(&name) || name.contains(candidate))
        .or_else(|| {
            BINDINGS
                .iter()
                .map(|b| b.name)
                .find(|candidate| name.len() >= 3 && candidate.starts_with(&name[..3]))
        })
}

/// Why a `keys.toml` was refused: each a single line naming the file and, where there is one,
/// the line, and saying that the default keys are in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysFileError {
    #[error("{file}: {why}; the default keys are in use")]
    Unreadable { file: String, why: String },
    #[error("{file}: {why}; the default keys are in use")]
    Syntax { file: String, why: String },
    #[error("{file} line {line}: there is no action {name:?}{}; the default keys are in use", suggestion.map(|s| format!(" (did you mean {s}?)")).unwrap_or_default())]
    UnknownAction {
        file: String,
        line: usize,
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "{file} line {line}: {action} takes a key name or a list of them, like \"x\" or [\"x\", \"Delete\"]; the default keys are in use"
    )]
    NotKeys {
        file: String,
        line: usize,
        action: &'static str,
    },
    #[error("{file} line {line}: {action}: {why}; the default keys are in use")]
    NotAKey {
        file: String,
        line: usize,
        action: &'static str,
        why: String,
    },
    #[error(
        "{file} line {line}: {action} = {key:?} is also {taken_by} {context}; the default keys are in use"
    )]
    Clash {
        file: String,
        line: usize,
        action: &'static str,
        key: String,
        taken_by: String,
        context: &'static str,
    },
}

/// One line of the footer or the help overlay: the keys, and what they do here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: Cow<'static, str>,
    pub does: &'static str,
    /// The action of the table behind it; `None` for moving keys.
    pub action: Option<Action>,
}

impl Hint {
    /// Whether the footer keeps it when not every hint fits: the ways out every screen has —
    /// the table's kept actions (`? help`, `q quit`) and Esc, which goes back — so that a screen's
    /// own keys never push them off.
    pub fn is_kept(&self) -> bool {
        match self.action {
            Some(action) => binding(action).kept,
            None => self.keys == "Esc",
        }
    }
}

/// A hint for keys that are not in the table (moving, typing, Enter and Esc).
pub const fn hint(keys: &'static str, does: &'static str) -> Hint {
    Hint {
        keys: Cow::Borrowed(keys),
        does,
        action: None,
    }
}

/// A plain character, typed with no modifier but Shift.
pub fn is_char(key: &KeyEvent, c: char) -> bool {
    key.code == KeyCode::Char(c) && !has_control_or_alt(key)
}

pub fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.code == KeyCode::Char(c) && key.modifiers.contains(KeyModifiers::CONTROL)
}

fn has_control_or_alt(key: &KeyEvent) -> bool {
    key.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

pub fn is_up(key: &KeyEvent) -> bool {
    key.code == KeyCode::Up || is_char(key, 'k')
}

pub fn is_down(key: &KeyEvent) -> bool {
    key.code == KeyCode::Down || is_char(key, 'j')
}

pub fn is_left(key: &KeyEvent) -> bool {
    key.code == KeyCode::Left || is_char(key, 'h')
}

pub fn is_right(key: &KeyEvent) -> bool {
    key.code == KeyCode::Right || is_char(key, 'l')
}

/// Tab moves to the next field; Shift-Tab arrives as BackTab on most terminals, and as Tab with
/// Shift on some.
pub fn is_next_field(key: &KeyEvent) -> bool {
    key.code == KeyCode::Tab && !key.modifiers.contains(KeyModifiers::SHIFT)
}

pub fn is_prev_field(key: &KeyEvent) -> bool {
    key.code == KeyCode::BackTab
        || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT))
}

pub fn is_enter(key: &KeyEvent) -> bool {
    key.code == KeyCode::Enter
}

pub fn is_esc(key: &KeyEvent) -> bool {
    key.code == KeyCode::Esc
}

/// Space or Enter: what presses a button or ticks a box.
pub fn is_activate(key: &KeyEvent) -> bool {
    key.code == KeyCode::Enter || is_char(key, ' ')
}

/// Where a moving key sends a selection, before it is held to the rows there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// To this row, which may lie past the last one (a list still reading pages keeps it).
    To(usize),
    /// To the last row, however far.
    End,
}

/// Where a key moves a selection at `index`: arrows and j/k by one, PageUp/PageDown by `page`,
/// Home/End and g/G to the ends. `None` when the key does not move.
pub fn movement(key: &KeyEvent, index: usize, page: usize) -> Option<Move> {
    let page = page.max(1);
    let to = match key.code {
        _ if is_up(key) => index.saturating_sub(1),
        _ if is_down(key) => index + 1,
        KeyCode::PageUp => index.saturating_sub(page),
        KeyCode::PageDown => index + page,
        KeyCode::Home => 0,
        KeyCode::End => return Some(Move::End),
        KeyCode::Char('g') if !has_control_or_alt(key) => 0,
        KeyCode::Char('G') if !has_control_or_alt(key) => return Some(Move::End),
        _ => return None,
    };
    Some(Move::To(to))
}

/// Moves `index` within `0..len` by a key's step (see [`movement`]). `None` when the key does
/// not move, or there is nothing to move in.
pub fn moved(key: &KeyEvent, index: usize, len: usize, page: usize) -> Option<usize> {
    let last = len.checked_sub(1)?;
    movement(key, index, page).map(|to| match to {
        Move::To(row) => row.min(last),
        Move::End => last,
    })
}

/// A key by name: `a`, `Enter`, `Ctrl-s`, `Alt-x`, `Shift-Tab`, `F5`.
pub fn parse_key(name: &str) -> Result<KeyEvent, String> {
    let unknown = || {
        format!(
            "'{name}' is not a key: use a character, Enter, Tab, BackTab, Esc, Up, Down, Left, Right, Space, Backspace, Delete, Home, End, PageUp, PageDown, F1-F12, Ctrl-x or Alt-x"
        )
    };
    if let Some(rest) = name
        .strip_prefix("Ctrl-")
        .or_else(|| name.strip_prefix("ctrl-"))
    {
        let key = parse_key(rest)?;
        return Ok(KeyEvent::new(
            key.code,
            key.modifiers | KeyModifiers::CONTROL,
        ));
    }
    if let Some(rest) = name
        .strip_prefix("Alt-")
        .or_else(|| name.strip_prefix("alt-"))
    {
        let key = parse_key(rest)?;
        return Ok(KeyEvent::new(key.code, key.modifiers | KeyModifiers::ALT));
    }
    if name == "Shift-Tab" {
        return Ok(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    }
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    let code = match name {
        "Enter" => KeyCode::Enter,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Esc" => KeyCode::Esc,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Space" => KeyCode::Char(' '),
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        _ => match name.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
            Some(n) if (1..=12).contains(&n) => KeyCode::F(n),
            _ => return Err(unknown()),
        },
    };
    Ok(KeyEvent::new(code, KeyModifiers::NONE))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/home/u/.config/oauth-console/keys.toml";

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn refusal(text: &str) -> String {
        KeyMap::from_toml(text, FILE)
            .expect_err("the file is refused")
            .to_string()
    }

    #[test]
    fn the_table_names_each_action_once_and_its_defaults_never_clash() {
        for (i, row) in BINDINGS.iter().enumerate() {
            assert_eq!(binding(row.action).name, row.name);
            assert!(
                BINDINGS[i + 1..]
                    .iter()
                    .all(|other| other.name != row.name && other.action != row.action),
                "{} is in the table twice",
                row.name
            );
        }
        assert!(KeyMap::default().first_clash().is_none());
        assert_eq!(KeyMap::from_toml("", FILE), Ok(KeyMap::default()));
    }

    #[test]
    fn a_rebound_action_answers_its_new_key_and_the_footer_names_it() {
        let keys = KeyMap::from_toml(
            "# mine\nrotate_secret = \"w\"\nrevoke = [\"Ctrl-r\", \"Delete\"]\n",
            FILE,
        )
        .unwrap();
        assert!(keys.is(Action::RotateSecret, &press('w')));
        assert!(
            !keys.is(Action::RotateSecret, &press('r')),
            "r no longer rotates"
        );
        assert_eq!(keys.label(Action::RotateSecret), "w");
        assert_eq!(keys.label(Action::Revoke), "Ctrl-R/Delete");
        assert!(keys.is(
            Action::Revoke,
            &KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)
        ));
        assert_eq!(
            keys.label(Action::Reload),
            "R",
            "the rest keep their defaults"
        );
        assert!(keys.is(
            Action::Reload,
            &KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT)
        ));
    }

    #[test]
    fn two_actions_on_one_key_where_both_are_live_are_refused_naming_the_line() {
        assert_eq!(
            refusal("\nrotate_secret = \"R\"\n"),
            format!(
                "{FILE} line 2: rotate_secret = \"R\" is also reload's key on an app's screen; the default keys are in use"
            )
        );
        assert_eq!(
            refusal("revoke = \"j\""),
            format!(
                "{FILE} line 1: revoke = \"j\" is also the key that moves down on the authorized applications; the default keys are in use"
            )
        );
        // The app's keys are live on its Audit events tab too, where g goes to the top.
        assert_eq!(
            refusal("end_grace = \"g\""),
            format!(
                "{FILE} line 1: end_grace = \"g\" is also the key that goes to the top on the audit events; the default keys are in use"
            )
        );
        assert_eq!(
            refusal("save = \"s\""),
            format!(
                "{FILE} line 1: save = \"s\" is also the key that types into a field in a form; the default keys are in use"
            )
        );
        // Where they are never live together, two actions may share a key, as x does by default.
        assert!(KeyMap::from_toml("export = \"r\"", FILE).is_ok());
    }

    #[test]
    fn an_unknown_action_or_key_is_refused_naming_the_line() {
        assert_eq!(
            refusal("quit = \"Q\"\nrotate = \"w\""),
            format!(
                "{FILE} line 2: there is no action \"rotate\" (did you mean rotate_secret?); the default keys are in use"
            )
        );
        assert!(
            refusal("edit = \"Hyper-e\"")
                .starts_with(&format!("{FILE} line 1: edit: 'Hyper-e' is not a key"))
        );
        assert!(refusal("edit = 5").contains("line 1: edit takes a key name or a list of them"));
        assert!(refusal("edit = [").starts_with(&format!("{FILE}: ")));
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn moving_stays_inside_the_list() {
        assert_eq!(moved(&key(KeyCode::Up), 0, 5, 3), Some(0));
        assert_eq!(moved(&key(KeyCode::Char('j')), 4, 5, 3), Some(4));
        assert_eq!(moved(&key(KeyCode::PageDown), 1, 5, 3), Some(4));
        assert_eq!(moved(&key(KeyCode::Char('G')), 0, 5, 3), Some(4));
        assert_eq!(moved(&key(KeyCode::Down), 0, 0, 3), None);
        assert_eq!(moved(&key(KeyCode::Char('x')), 0, 5, 3), None);
    }
}
