//! Authorized applications (seed 002): the approvals people gave an organization's
//! authorization-code apps — app, authorized by, scopes, date and last use — newest first, with
//! Revoke behind a confirmation. The whole organization's on their own screen, one app's on its
//! detail view.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::Ctx;
use super::dialogs::{Confirm, Dialog};
use crate::backend::Result;
use crate::model::{Authorization, Sid};
use crate::store::Page;
use crate::tui::effect::Effect;
use crate::tui::keys::{self, Hint, hint};

/// Authorizations asked for at a time.
const PAGE_SIZE: usize = 200;

pub struct AuthorizedList {
    pub owner: Sid,
    /// Only this app's authorizations (on its detail view).
    pub app: Option<Sid>,
    pub items: Vec<Authorization>,
    pub next: Option<String>,
    pub loading: bool,
    /// Whether a first page has been asked for.
    pub loaded: bool,
    request: u64,
    pub selected: usize,
    pub offset: usize,
    pub error: Option<String>,
}

impl AuthorizedList {
    pub fn new(owner: Sid, app: Option<Sid>) -> AuthorizedList {
        AuthorizedList {
            owner,
            app,
            items: Vec::new(),
            next: None,
            loading: false,
            loaded: false,
            request: 0,
            selected: 0,
            offset: 0,
            error: None,
        }
    }

    pub fn load(&mut self, ctx: &mut Ctx, append: bool) {
        if append && (self.next.is_none() || self.loading) {
            return;
        }
        self.loaded = true;
        self.loading = true;
        self.request = ctx.request();
        ctx.effect(Effect::LoadAuthorized {
            request: self.request,
            owner: self.owner.clone(),
            app: self.app.clone(),
            page_size: PAGE_SIZE,
            after: if append { self.next.clone() } else { None },
            append,
        });
    }

    pub fn on_loaded(&mut self, request: u64, append: bool, result: Result<Page<Authorization>>) {
        if request != self.request {
            return;
        }
        self.loading = false;
        match result {
            Ok(page) => {
                if !append {
                    self.items.clear();
                    self.offset = 0;
                }
                self.items.extend(page.items);
                self.next = page.next;
                self.selected = self.selected.min(self.items.len().saturating_sub(1));
                self.error = None;
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }

    pub fn selected_item(&self) -> Option<&Authorization> {
        self.items.get(self.selected)
    }

    fn select(&mut self, row: usize, height: usize, ctx: &mut Ctx) {
        let height = height.max(1);
        self.selected = row.min(self.items.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        if self.selected + height >= self.items.len() {
            self.load(ctx, true);
        }
    }

    pub fn click_row(&mut self, index: usize, height: usize, ctx: &mut Ctx) {
        let row = self.offset + index;
        if row < self.items.len() {
            self.select(row, height, ctx);
        }
    }

    /// Asks before revoking the selected authorization.
    fn ask_revoke(&self, ctx: &mut Ctx) {
        match self.selected_item() {
            Some(authorization) => {
                ctx.dialog = Some(Dialog::Confirm(Confirm::revoke(authorization)));
            }
            None => ctx.info("No authorization is selected to revoke"),
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, height: usize, ctx: &mut Ctx) -> bool {
        if let Some(row) = keys::moved(key, self.selected, self.items.len(), height) {
            self.select(row, height, ctx);
            return true;
        }
        if keys::is_char(key, 'x') || key.code == KeyCode::Delete {
            self.ask_revoke(ctx);
        } else if keys::is_char(key, 'R') {
            self.load(ctx, false);
        } else {
            return false;
        }
        true
    }

    pub fn hints(&self) -> Vec<Hint> {
        vec![
            hint("↑↓/jk", "move"),
            hint("x", "revoke"),
            hint("R", "reload"),
        ]
    }
}
