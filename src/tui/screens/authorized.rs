//! Authorized applications (seed 002): the approvals people gave an organization's
//! authorization-code apps — app, authorized by, scopes, date and last use — newest first, with
//! Revoke behind a confirmation. The whole organization's on their own screen, one app's on its
//! detail view.

use ratatui::crossterm::event::KeyEvent;

use super::Ctx;
use super::dialogs::{Confirm, Dialog};
use super::paged::{OnReload, PagedRows};
use crate::backend::Result;
use crate::model::{Authorization, Sid};
use crate::store::Page;
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Hint, KeyMap, hint};

/// Authorizations asked for at a time.
const PAGE_SIZE: usize = 200;

pub struct AuthorizedList {
    pub owner: Sid,
    /// Only this app's authorizations (on its detail view).
    pub app: Option<Sid>,
    /// Read again after a revoke, so a reload keeps the selected row.
    pub rows: PagedRows<Authorization>,
}

impl AuthorizedList {
    pub fn new(owner: Sid, app: Option<Sid>) -> AuthorizedList {
        AuthorizedList {
            owner,
            app,
            rows: PagedRows::new(OnReload::KeepRow),
        }
    }

    pub fn load(&mut self, ctx: &mut Ctx, append: bool) {
        let Some((request, after)) = self.rows.start_load(ctx, append) else {
            return;
        };
        ctx.effect(Effect::LoadAuthorized {
            request,
            owner: self.owner.clone(),
            app: self.app.clone(),
            page_size: PAGE_SIZE,
            after,
            append,
        });
    }

    pub fn on_loaded(&mut self, request: u64, append: bool, result: Result<Page<Authorization>>) {
        self.rows.on_page(request, append, result);
    }

    pub fn click_row(&mut self, index: usize, height: usize, ctx: &mut Ctx) {
        if self.rows.click_row(index, height) == Some(true) {
            self.load(ctx, true);
        }
    }

    /// Asks before revoking the selected authorization.
    pub fn ask_revoke(&self, ctx: &mut Ctx) {
        match self.rows.selected_item() {
            Some(authorization) => {
                ctx.dialog = Some(Dialog::Confirm(Confirm::revoke(authorization)));
            }
            None => ctx.info("No authorization is selected to revoke"),
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, height: usize, ctx: &mut Ctx) -> bool {
        if let Some(near_the_end) = self.rows.move_by(key, height) {
            if near_the_end {
                self.load(ctx, true);
            }
            return true;
        }
        if ctx.keys.is(Action::Revoke, key) {
            self.ask_revoke(ctx);
        } else if ctx.keys.is(Action::Reload, key) {
            self.load(ctx, false);
        } else {
            return false;
        }
        true
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        vec![
            hint("↑↓/jk", "move"),
            keys.hint(Action::Revoke),
            keys.hint(Action::Reload),
        ]
    }
}
