//! What a caller asks of the service, in the words every face uses: the console and the CLI hand
//! these to the backend, which hands them to the service in this process or sends them to a
//! server's management API, and answers come back in pages. Plain data: the rules that judge them
//! live in the service and in this module's neighbours.

use super::{AppSettings, AuditEventType, GrantType, Role, Seconds, Sid};

/// What a person fills in to create an app.
#[derive(Debug, Clone)]
pub struct NewApp {
    pub owner: Sid,
    pub grant_type: GrantType,
    pub settings: AppSettings,
    /// `None` is the only region there is, us1.
    pub region: Option<String>,
}

/// A change to an app's settings: each `Some` replaces that field.
#[derive(Debug, Clone, Default)]
pub struct AppUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub token_ttl: Option<Seconds>,
    pub company_name: Option<String>,
    pub images: Option<Vec<String>>,
    pub homepage_url: Option<String>,
    pub terms_url: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    /// The version the editor started from; a save over a newer version is refused instead of
    /// silently overwriting someone else's change. `None` applies the change to the latest.
    pub expected_version: Option<u64>,
}

impl AppUpdate {
    /// `settings` with this change applied, not yet validated.
    pub fn apply_to(&self, settings: &AppSettings) -> AppSettings {
        let mut next = settings.clone();
        let replace = |target: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                target.clone_from(value);
            }
        };
        replace(&mut next.name, &self.name);
        replace(&mut next.description, &self.description);
        replace(&mut next.company_name, &self.company_name);
        replace(&mut next.homepage_url, &self.homepage_url);
        replace(&mut next.terms_url, &self.terms_url);
        for (target, value) in [
            (&mut next.scopes, &self.scopes),
            (&mut next.images, &self.images),
            (&mut next.redirect_uris, &self.redirect_uris),
        ] {
            if let Some(value) = value {
                target.clone_from(value);
            }
        }
        if let Some(ttl) = self.token_ttl {
            next.token_ttl = ttl;
        }
        next
    }
}

/// A page of an owner's apps, optionally only those whose name contains a text.
#[derive(Debug, Clone, Default)]
pub struct ListApps {
    pub name_contains: Option<String>,
    /// Newest first unless asked otherwise; the console's sort key.
    pub order: AppOrder,
    pub page_size: usize,
    pub after: Option<String>,
}

/// A page of results, newest first, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque; pass it back as `after` for the next page. `None` on the last page.
    pub next: Option<String>,
}

/// Which end of the creation order a list of apps starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// A page of the audit trail, narrowed to an owner, an app or a kind of event.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// One owner's events; `None` for every owner whose apps the reader manages.
    pub owner: Option<Sid>,
    pub app: Option<Sid>,
    pub event_type: Option<AuditEventType>,
    pub page_size: usize,
    pub after: Option<String>,
}

/// Who to add, to which owner, in which role.
pub struct NewUser {
    pub username: String,
    /// `None` makes one, returned once.
    pub password: Option<String>,
    pub owner: Sid,
    pub role: Role,
    /// May sign in and read, and every change is refused.
    pub read_only: bool,
}
