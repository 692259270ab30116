//! Audit events, newest first: the whole owner's on the Audit events screen, one app's on its
//! detail view. Filter by event type (`t`) and by app (`f`, the selected event's app); the
//! selected event's details (who, when, what changed) show beside the list.

use ratatui::crossterm::event::KeyEvent;

use super::Ctx;
use super::paged::{OnReload, PagedRows};
use crate::backend::Result;
use crate::model::{AuditEvent, AuditEventType, Sid};
use crate::service::AuditFilter;
use crate::store::Page;
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Hint, KeyMap, hint};

/// Events asked for at a time.
const PAGE_SIZE: usize = 200;

pub struct AuditLog {
    pub owner: Sid,
    /// Only this app's events, by SID and name.
    pub app: Option<(Sid, String)>,
    /// On an app's detail view the app filter cannot be lifted.
    pub app_fixed: bool,
    pub event_type: Option<AuditEventType>,
    /// A new filter is another query, so a reload starts at the top.
    pub events: PagedRows<AuditEvent>,
}

impl AuditLog {
    pub fn new(owner: Sid) -> AuditLog {
        AuditLog {
            owner,
            app: None,
            app_fixed: false,
            event_type: None,
            events: PagedRows::new(OnReload::Top),
        }
    }

    pub fn for_app(owner: Sid, app: Sid, name: String) -> AuditLog {
        AuditLog {
            app: Some((app, name)),
            app_fixed: true,
            ..AuditLog::new(owner)
        }
    }

    pub fn load(&mut self, ctx: &mut Ctx, append: bool) {
        let Some((request, after)) = self.events.start_load(ctx, append) else {
            return;
        };
        ctx.effect(Effect::LoadAudit {
            request,
            filter: AuditFilter {
                owner: Some(self.owner.clone()),
                app: self.app.as_ref().map(|(sid, _)| sid.clone()),
                event_type: self.event_type,
                page_size: PAGE_SIZE,
                after,
            },
            append,
        });
    }

    pub fn on_loaded(&mut self, request: u64, append: bool, result: Result<Page<AuditEvent>>) {
        self.events.on_page(request, append, result);
    }

    pub fn selected_event(&self) -> Option<&AuditEvent> {
        self.events.selected_item()
    }

    pub fn click_row(&mut self, index: usize, height: usize, ctx: &mut Ctx) {
        if self.events.click_row(index, height) == Some(true) {
            self.load(ctx, true);
        }
    }

    /// The next event type in the filter's cycle: all, then each type.
    fn next_type(current: Option<AuditEventType>) -> Option<AuditEventType> {
        let all = AuditEventType::ALL;
        match current {
            None => Some(all[0]),
            Some(t) => all
                .iter()
                .position(|x| *x == t)
                .and_then(|i| all.get(i + 1).copied()),
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent, height: usize, ctx: &mut Ctx) -> bool {
        if let Some(near_the_end) = self.events.move_by(key, height) {
            if near_the_end {
                self.load(ctx, true);
            }
            return true;
        }
        if ctx.keys.is(Action::EventType, key) {
            self.event_type = Self::next_type(self.event_type);
            self.load(ctx, false);
        } else if ctx.keys.is(Action::EventApp, key) && !self.app_fixed {
            if self.app.is_some() {
                self.app = None;
            } else if let Some(event) = self.selected_event() {
                self.app = Some((event.app.clone(), event.app_name.clone()));
            } else {
                ctx.info("Select an event first: f keeps the events of its app");
                return true;
            }
            self.load(ctx, false);
        } else if ctx.keys.is(Action::Reload, key) {
            self.load(ctx, false);
        } else {
            return false;
        }
        true
    }

    pub fn hints(&self, keys: &KeyMap) -> Vec<Hint> {
        let mut hints = vec![hint("↑↓/jk", "move"), keys.hint(Action::EventType)];
        if !self.app_fixed {
            hints.push(if self.app.is_some() {
                keys.hint_as(Action::EventApp, "all apps")
            } else {
                keys.hint(Action::EventApp)
            });
        }
        hints.push(keys.hint(Action::Reload));
        hints
    }
}
