//! The Application details form: the create wizard's first step and the detail view's editor.
//! Which fields it has depends on the owner kind and the grant type; what they may hold is the
//! model's to say ([`AppSettings::validate`]), and its messages are shown at each field.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;

use crate::model::{
    AppSettings, AppView, COMPANY_NAME_MAX_CHARS, DESCRIPTION_MAX_CHARS, Field, GrantType,
    NAME_MAX_CHARS, OwnerKind, URL_MAX_CHARS, ValidationErrors,
};
use crate::tui::fields::TextField;
use crate::tui::keys::{self, Action, Hint, KeyMap, hint};
use crate::tui::layout::{LABEL_WIDTH, hit};
use crate::tui::widgets::{self, Palette, put};

/// Creating (Next/Cancel) or editing (Save/Cancel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    Create,
    Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsFocus {
    GrantType,
    Name,
    Description,
    CompanyName,
    Images,
    HomepageUrl,
    TermsUrl,
    RedirectUris,
    Submit,
    Cancel,
}

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    /// The key was not the form's.
    Ignored,
    Handled,
    Submit,
    Cancel,
}

pub struct DetailsForm {
    pub owner_kind: OwnerKind,
    pub grant: GrantType,
    pub grant_error: Option<String>,
    pub mode: FormMode,
    pub focus: DetailsFocus,
    pub name: TextField,
    pub description: TextField,
    pub company_name: TextField,
    pub images: TextField,
    pub homepage_url: TextField,
    pub terms_url: TextField,
    pub redirect_uris: TextField,
}

/// The message for list fields that hold several URLs.
const LIST_HINT: &str = "separate several with commas";

impl DetailsForm {
    pub fn new(owner_kind: OwnerKind) -> DetailsForm {
        DetailsForm {
            owner_kind,
            grant: GrantType::ClientCredentials,
            grant_error: None,
            mode: FormMode::Create,
            focus: match owner_kind {
                OwnerKind::Organization => DetailsFocus::GrantType,
                OwnerKind::Account => DetailsFocus::Name,
            },
            name: TextField::new("Application name", Some(NAME_MAX_CHARS)),
            description: TextField::new("Description", Some(DESCRIPTION_MAX_CHARS)),
            company_name: TextField::new("Company name", Some(COMPANY_NAME_MAX_CHARS)),
            images: TextField::new("Images (URLs)", None).with_placeholder(LIST_HINT),
            homepage_url: TextField::new("Homepage URL", Some(URL_MAX_CHARS)),
            terms_url: TextField::new("Terms of service URL", Some(URL_MAX_CHARS)),
            redirect_uris: TextField::new("Redirect URLs", None).with_placeholder(LIST_HINT),
        }
    }

    /// The editor of an existing app, filled with its details; its grant type is fixed.
    pub fn edit(app: &AppView) -> DetailsForm {
        let s = &app.settings;
        let mut form = DetailsForm::new(app.owner_kind());
        form.mode = FormMode::Edit;
        form.grant = app.grant_type;
        form.focus = DetailsFocus::Name;
        form.name = form.name.with_value(&s.name);
        form.description = form.description.with_value(&s.description);
        form.company_name = form.company_name.with_value(&s.company_name);
        form.images = form.images.with_value(&s.images.join(", "));
        form.homepage_url = form.homepage_url.with_value(&s.homepage_url);
        form.terms_url = form.terms_url.with_value(&s.terms_url);
        form.redirect_uris = form.redirect_uris.with_value(&s.redirect_uris.join(", "));
        form
    }

    /// The fields and buttons in Tab order, as this owner kind and grant type have them.
    pub fn focus_order(&self) -> Vec<DetailsFocus> {
        use DetailsFocus::*;
        let mut order = Vec::new();
        if self.owner_kind == OwnerKind::Organization && self.mode == FormMode::Create {
            order.push(GrantType);
        }
        order.extend([Name, Description]);
        if self.grant == crate::model::GrantType::AuthorizationCode {
            order.extend([CompanyName, Images, HomepageUrl, TermsUrl, RedirectUris]);
        }
        match self.mode {
            FormMode::Create => order.extend([Cancel, Submit]),
            FormMode::Edit => order.extend([Submit, Cancel]),
        }
        order
    }

    pub fn field(&self, focus: DetailsFocus) -> Option<&TextField> {
        match focus {
            DetailsFocus::Name => Some(&self.name),
            DetailsFocus::Description => Some(&self.description),
            DetailsFocus::CompanyName => Some(&self.company_name),
            DetailsFocus::Images => Some(&self.images),
            DetailsFocus::HomepageUrl => Some(&self.homepage_url),
            DetailsFocus::TermsUrl => Some(&self.terms_url),
            DetailsFocus::RedirectUris => Some(&self.redirect_uris),
            DetailsFocus::GrantType | DetailsFocus::Submit | DetailsFocus::Cancel => None,
        }
    }

    fn field_mut(&mut self, focus: DetailsFocus) -> Option<&mut TextField> {
        match focus {
            DetailsFocus::Name => Some(&mut self.name),
            DetailsFocus::Description => Some(&mut self.description),
            DetailsFocus::CompanyName => Some(&mut self.company_name),
            DetailsFocus::Images => Some(&mut self.images),
            DetailsFocus::HomepageUrl => Some(&mut self.homepage_url),
            DetailsFocus::TermsUrl => Some(&mut self.terms_url),
            DetailsFocus::RedirectUris => Some(&mut self.redirect_uris),
            DetailsFocus::GrantType | DetailsFocus::Submit | DetailsFocus::Cancel => None,
        }
    }

    pub fn focused_field_mut(&mut self) -> Option<&mut TextField> {
        self.field_mut(self.focus)
    }

    /// Whether the focus is in a text field, where letters are typed rather than commands.
    pub fn is_typing(&self) -> bool {
        self.field(self.focus).is_some()
    }

    pub fn holds_input(&self) -> bool {
        let fields = [
            &self.name,
            &self.description,
            &self.company_name,
            &self.images,
            &self.homepage_url,
            &self.terms_url,
            &self.redirect_uris,
        ];
        fields.iter().any(|field| field.is_changed())
    }

    fn move_focus(&mut self, forward: bool) {
        let order = self.focus_order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward {
            (at + 1) % order.len()
        } else {
            (at + order.len() - 1) % order.len()
        };
        self.focus = order[next];
    }

    /// Enter in a text field goes on to the next field and, from the last one, to the button
    /// that goes on (Next or Save), never to Cancel, which Tab order puts first in the wizard.
    fn enter_from_field(&mut self) {
        self.move_focus(true);
        if self.focus == DetailsFocus::Cancel {
            self.focus = DetailsFocus::Submit;
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, keys: &KeyMap) -> FormOutcome {
        if keys::is_enter(key) && self.is_typing() {
            self.enter_from_field();
            return FormOutcome::Handled;
        }
        if keys::is_next_field(key) {
            self.move_focus(true);
            return FormOutcome::Handled;
        }
        if keys::is_prev_field(key) {
            self.move_focus(false);
            return FormOutcome::Handled;
        }
        if keys::is_esc(key) {
            return FormOutcome::Cancel;
        }
        if keys.is(Action::Save, key) {
            return FormOutcome::Submit;
        }
        if let Some(field) = self.focused_field_mut()
            && field.handle_key(key)
        {
            return FormOutcome::Handled;
        }
        if key.code == ratatui::crossterm::event::KeyCode::Down {
            self.move_focus(true);
            return FormOutcome::Handled;
        }
        if key.code == ratatui::crossterm::event::KeyCode::Up {
            self.move_focus(false);
            return FormOutcome::Handled;
        }
        match self.focus {
            DetailsFocus::GrantType
                if keys::is_left(key) || keys::is_right(key) || keys::is_char(key, ' ') =>
            {
                self.grant = match self.grant {
                    GrantType::ClientCredentials => GrantType::AuthorizationCode,
                    GrantType::AuthorizationCode => GrantType::ClientCredentials,
                };
                self.grant_error = None;
                FormOutcome::Handled
            }
            DetailsFocus::Submit if keys::is_activate(key) => FormOutcome::Submit,
            DetailsFocus::Cancel if keys::is_activate(key) => FormOutcome::Cancel,
            // The two buttons sit side by side: ←/→ go from one to the other.
            DetailsFocus::Submit | DetailsFocus::Cancel
                if keys::is_left(key) || keys::is_right(key) =>
            {
                self.focus = if self.focus == DetailsFocus::Submit {
                    DetailsFocus::Cancel
                } else {
                    DetailsFocus::Submit
                };
                FormOutcome::Handled
            }
            _ => FormOutcome::Ignored,
        }
    }

    /// `base` with this form's fields put in. Client-credentials apps send no
    /// authorization-code fields, whatever was typed before the grant type changed.
    pub fn apply_to(&self, mut base: AppSettings) -> AppSettings {
        base.name = self.name.value().to_owned();
        base.description = self.description.value().to_owned();
        if self.grant == GrantType::AuthorizationCode {
            base.company_name = self.company_name.value().to_owned();
            base.images = self.images.items();
            base.homepage_url = self.homepage_url.value().to_owned();
            base.terms_url = self.terms_url.value().to_owned();
            base.redirect_uris = self.redirect_uris.items();
        } else {
            base.company_name.clear();
            base.images.clear();
            base.homepage_url.clear();
            base.terms_url.clear();
            base.redirect_uris.clear();
        }
        base
    }

    /// Puts each error on this form's fields at its field; `true` if any belonged here. Where a
    /// field has several, the first is shown.
    pub fn show_errors(&mut self, errors: &ValidationErrors) -> bool {
        self.grant_error = errors
            .for_field(Field::GrantType)
            .map(|error| error.message.clone());
        let mut any = self.grant_error.is_some();
        for (field, focus) in [
            (Field::Name, DetailsFocus::Name),
            (Field::Description, DetailsFocus::Description),
            (Field::CompanyName, DetailsFocus::CompanyName),
            (Field::Images, DetailsFocus::Images),
            (Field::HomepageUrl, DetailsFocus::HomepageUrl),
            (Field::TermsUrl, DetailsFocus::TermsUrl),
            (Field::RedirectUris, DetailsFocus::RedirectUris),
        ] {
            let message = errors.for_field(field).map(|e| e.message.clone());
            let shown = self.focus_order().contains(&focus);
            if let Some(text_field) = self.field_mut(focus) {
                text_field.error = message.filter(|_| shown);
                any |= text_field.error.is_some();
            }
        }
        if any {
            self.focus_first_error();
        }
        any
    }

    fn focus_first_error(&mut self) {
        if self.grant_error.is_some() {
            self.focus = DetailsFocus::GrantType;
            return;
        }
        if let Some(focus) = self
            .focus_order()
            .into_iter()
            .find(|f| self.field(*f).is_some_and(|field| field.error.is_some()))
        {
            self.focus = focus;
        }
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = vec![hint("Tab/Shift-Tab", "next/previous field")];
        if self.focus == DetailsFocus::GrantType {
            hints.push(hint("←/→", "choose grant type"));
        }
        hints.push(match self.mode {
            FormMode::Create => keys.hint_as(Action::Save, "next step"),
            FormMode::Edit => keys.hint(Action::Save),
        });
        hints.push(hint("Esc", "cancel"));
        hints
    }
}

impl DetailsForm {
    /// Each field of the details form with its line (and the line under it when it has an error).
    /// Fields are a blank line apart when they all fit so; when not (an 80×24 terminal, an error
    /// under a field), they go without, and when that is not enough either, the list starts late
    /// enough that the focused field and its message are shown whole.
    pub fn rows(&self, area: Rect) -> Vec<(DetailsFocus, Rect)> {
        let fields: Vec<(DetailsFocus, u16)> = self
            .focus_order()
            .into_iter()
            .filter_map(|focus| {
                let has_error = match focus {
                    DetailsFocus::GrantType => self.grant_error.is_some(),
                    DetailsFocus::Submit | DetailsFocus::Cancel => return None,
                    other => self.field(other).is_some_and(|f| f.error.is_some()),
                };
                Some((focus, if has_error { 2 } else { 1 }))
            })
            .collect();
        let height = |fields: &[(DetailsFocus, u16)], gap: u16| -> u16 {
            let lines: u16 = fields.iter().map(|(_, height)| height).sum();
            lines + gap * (fields.len() as u16).saturating_sub(1)
        };
        let gap = u16::from(height(&fields, 1) <= area.height);
        // The buttons count as the last field: focusing them shows the end of the form.
        let focused = fields
            .iter()
            .position(|(focus, _)| *focus == self.focus)
            .unwrap_or(fields.len().saturating_sub(1));
        let mut first = 0;
        while first < focused && height(&fields[first..=focused], gap) > area.height {
            first += 1;
        }
        let mut at = 0;
        let mut placed = Vec::new();
        for &(focus, lines) in &fields[first..] {
            if at + lines > area.height {
                break;
            }
            placed.push((focus, Rect::new(area.x, area.y + at, area.width, lines)));
            at += lines + gap;
        }
        placed
    }

    /// The field drawn at `at`, in the form's `area`.
    pub fn field_at(&self, area: Rect, at: Position) -> Option<DetailsFocus> {
        self.rows(area)
            .into_iter()
            .find(|(_, rect)| hit(*rect, at))
            .map(|(focus, _)| focus)
    }

    pub fn draw(&self, area: Rect, buf: &mut Buffer, palette: &Palette) {
        let form = self;
        for (focus, rect) in form.rows(area) {
            let focused = form.focus == focus;
            if focus == DetailsFocus::GrantType {
                widgets::label(buf, rect, "Grant type", focused, palette);
                let mut at = rect.x + LABEL_WIDTH;
                for grant in [GrantType::ClientCredentials, GrantType::AuthorizationCode] {
                    let mark = if form.grant == grant {
                        "(•) "
                    } else {
                        "( ) "
                    };
                    let style = if focused && form.grant == grant {
                        palette.focus
                    } else {
                        Style::default()
                    };
                    at = put(buf, rect, at, &format!("{mark}{}   ", grant.label()), style);
                }
                if focused {
                    put(buf, rect, at, "←/→ to choose", palette.dim);
                }
                if let Some(error) = &form.grant_error {
                    widgets::error_line(buf, rect, error, palette);
                }
            } else if let Some(field) = form.field(focus) {
                let mut field = field.clone();
                if matches!(focus, DetailsFocus::Name | DetailsFocus::RedirectUris) {
                    field.label = match focus {
                        DetailsFocus::Name => "Application name *",
                        _ => "Redirect URLs *",
                    };
                }
                widgets::text_field(buf, rect, &field, focused, palette);
            }
        }
        if form.mode == FormMode::Create && form.owner_kind == OwnerKind::Account {
            let note = form
                .rows(area)
                .last()
                .map_or(area.y, |(_, rect)| rect.bottom() + 1);
            if note < area.bottom() {
                put(
                    buf,
                    Rect::new(area.x, note, area.width, 1),
                    area.x + 2,
                    "Account apps use the Client credentials grant type.",
                    palette.dim,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn organization_forms_choose_a_grant_type_and_show_its_fields() {
        let mut form = DetailsForm::new(OwnerKind::Organization);
        assert_eq!(form.focus, DetailsFocus::GrantType);
        assert!(!form.focus_order().contains(&DetailsFocus::RedirectUris));
        form.handle_key(
            &KeyEvent::new(KeyCode::Right, KeyModifiers::NONE),
            &KeyMap::default(),
        );
        assert_eq!(form.grant, GrantType::AuthorizationCode);
        assert!(form.focus_order().contains(&DetailsFocus::RedirectUris));
        let account = DetailsForm::new(OwnerKind::Account);
        assert!(!account.focus_order().contains(&DetailsFocus::GrantType));
    }
}
