//! Printing results: aligned tables for people, or JSON (the management API's shapes) for scripts
//! with `--json`. The mode is chosen once, in [`Output::new`].

use std::io::Write;

use serde::Serialize;
use serde_json::json;

use crate::api::{
    AppJson, AuditEventJson, AuthorizationJson, CredentialsJson, ImportResultJson, OwnerJson,
    UserJson,
};
use crate::model::{OwnerKind, SigningAlg};

pub struct Output {
    json: bool,
}

type Printed = anyhow::Result<()>;

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    fn print_json(&self, value: &impl Serialize) -> Printed {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)?;
        Ok(())
    }

    fn print(&self, text: &str) -> Printed {
        let mut out = std::io::stdout().lock();
        write!(out, "{text}")?;
        Ok(())
    }

    pub fn credentials(&self, credentials: &CredentialsJson) -> Printed {
        if self.json {
            return self.print_json(credentials);
        }
        let mut text = format!(
            "Client ID:      {}\nClient secret:  {}\n",
            credentials.client_id, credentials.client_secret
        );
        if let Some(url) = &credentials.authorization_url {
            text.push_str(&format!("Authorization URL: {url}\n"));
        }
        if let Some(end) = &credentials.previous_secret_expires_at {
            text.push_str(&format!("The previous secret works until {end}.\n"));
        }
        text.push_str(
            "Copy the secret now and store it somewhere secure: it is never shown again.\n",
        );
        self.print(&text)
    }

    pub fn app(&self, app: &AppJson, authorization_url: Option<String>) -> Printed {
        if self.json {
            return self.print_json(app);
        }
        let mut rows = vec![
            ("Name", app.friendly_name.clone()),
            ("Description", app.description.clone()),
            ("Client ID", app.client_id.clone()),
            ("Owner", app.owner_sid.clone()),
            ("Grant type", app.grant_type.clone()),
            ("Date created", app.date_created.clone()),
            ("Created by", app.created_by.clone()),
            ("Date updated", app.date_updated.clone()),
            (
                "Token expiration",
                crate::model::Seconds(app.access_token_ttl).to_string(),
            ),
        ];
        if let Some(code) = &app.authorization_code {
            rows.extend([
                ("Company name", code.company_name.clone()),
                ("Homepage URL", code.homepage_url.clone()),
                ("Terms of service URL", code.terms_of_service_url.clone()),
                ("Redirect URLs", code.redirect_uris.join(" ")),
                ("Images", code.image_urls.join(" ")),
            ]);
        }
        if let Some(url) = authorization_url {
            rows.push(("Authorization URL", url));
        }
        for secret in &app.secrets {
            let until = secret.expires_at.as_deref().unwrap_or("no expiry (newest)");
            let by = secret.created_by.as_deref().unwrap_or("(not recorded)");
            rows.push((
                "Secret",
                format!(
                    "{} created {} by {by}, valid until {until}",
                    secret.id, secret.date_created
                ),
            ));
        }
        rows.push(("Scopes", format!("{} of 100", app.scopes.len())));
        let mut text = String::new();
        for (label, value) in rows {
            text.push_str(&format!("{label:<21} {value}\n"));
        }
        for scope in &app.scopes {
            text.push_str(&format!("  {scope}\n"));
        }
        self.print(&text)
    }

    pub fn deleted(&self, app: &AppJson) -> Printed {
        if self.json {
            return self.print_json(&json!({ "deleted": true, "sid": app.sid }));
        }
        self.print(&format!(
            "Deleted '{}' ({}); its secrets and tokens no longer work.\n",
            app.friendly_name, app.sid
        ))
    }

    /// After `apps end-grace`: the app, now with its current secret alone.
    pub fn grace_ended(&self, app: &AppJson) -> Printed {
        if self.json {
            return self.print_json(app);
        }
        let current = app.secrets.last().map_or("", |secret| secret.id.as_str());
        self.print(&format!(
            "Ended the grace period of '{}' ({}): its older secret no longer works; secret {current} carries on.\n",
            app.friendly_name, app.sid
        ))
    }

    pub fn apps(&self, apps: &[AppJson], next: Option<&str>) -> Printed {
        if self.json {
            return self.print_json(&json!({ "apps": apps, "meta": meta(apps.len(), next) }));
        }
        let rows = apps
            .iter()
            .map(|a| {
                vec![
                    a.friendly_name.clone(),
                    a.client_id.clone(),
                    a.grant_type.clone(),
                    a.date_created.clone(),
                    a.created_by.clone(),
                ]
            })
            .collect();
        let mut text = table(
            &[
                "NAME",
                "CLIENT ID",
                "GRANT TYPE",
                "DATE CREATED",
                "CREATED BY",
            ],
            rows,
        );
        text.push_str(&more(apps.len(), "apps", next));
        self.print(&text)
    }

    pub fn audit(&self, events: &[AuditEventJson], next: Option<&str>) -> Printed {
        if self.json {
            return self.print_json(&json!({ "events": events, "meta": meta(events.len(), next) }));
        }
        let rows = events
            .iter()
            .map(|e| {
                let changes: Vec<String> = e
                    .changes
                    .iter()
                    .map(|c| match c.before.is_empty() {
                        true => format!("{}: {}", c.field, c.after),
                        false => format!("{}: {} -> {}", c.field, c.before, c.after),
                    })
                    .collect();
                vec![
                    e.date_created.clone(),
                    e.event_type.clone(),
                    e.app_name.clone(),
                    e.app_sid.clone(),
                    e.actor.clone(),
                    changes.join("; "),
                ]
            })
            .collect();
        let mut text = table(
            &["DATE", "EVENT", "APP", "APP SID", "BY", "WHAT CHANGED"],
            rows,
        );
        text.push_str(&more(events.len(), "events", next));
        self.print(&text)
    }

    pub fn authorizations(&self, rows: &[AuthorizationJson], next: Option<&str>) -> Printed {
        if self.json {
            return self
                .print_json(&json!({ "authorizations": rows, "meta": meta(rows.len(), next) }));
        }
        let table_rows = rows
            .iter()
            .map(|a| {
                vec![
                    a.app_name.clone(),
                    a.authorized_by.clone(),
                    a.scopes.join(" "),
                    a.date_created.clone(),
                    a.sid.clone(),
                ]
            })
            .collect();
        let mut text = table(
            &["APP", "AUTHORIZED BY", "SCOPES", "DATE", "SID"],
            table_rows,
        );
        text.push_str(&more(rows.len(), "authorized applications", next));
        self.print(&text)
    }

    pub fn revoked(&self, authorization: &AuthorizationJson) -> Printed {
        if self.json {
            return self.print_json(authorization);
        }
        self.print(&format!(
            "Revoked {}'s authorization of '{}' ({}); its tokens no longer work.\n",
            authorization.authorized_by, authorization.app_name, authorization.sid
        ))
    }

    pub fn owners(&self, owners: &[OwnerJson]) -> Printed {
        if self.json {
            return self.print_json(&owners);
        }
        let rows = owners
            .iter()
            .map(|o| {
                vec![
                    o.sid.clone(),
                    o.kind.clone(),
                    o.friendly_name.clone(),
                    o.role.clone(),
                ]
            })
            .collect();
        self.print(&table(&["SID", "TYPE", "NAME", "YOUR ROLE"], rows))
    }

    pub fn users(&self, users: &[UserJson]) -> Printed {
        if self.json {
            return self.print_json(&users);
        }
        let rows = users
            .iter()
            .map(|u| {
                let roles: Vec<String> = u
                    .roles
                    .iter()
                    .map(|r| format!("{} of {}", r.role, r.owner_sid))
                    .collect();
                let mut roles = roles.join(", ");
                if u.read_only {
                    roles.push_str(" (read-only)");
                }
                vec![u.sid.clone(), u.username.clone(), roles]
            })
            .collect();
        self.print(&table(&["SID", "USERNAME", "ROLES"], rows))
    }

    pub fn user_added(&self, user: &UserJson, generated_password: Option<&str>) -> Printed {
        if self.json {
            return self.print_json(&json!({ "user": user, "password": generated_password }));
        }
        let mut text = format!("Added user '{}' ({}).\n", user.username, user.sid);
        if let Some(password) = generated_password {
            text.push_str(&format!("Password: {password}\nIt is shown only now.\n"));
        }
        self.print(&text)
    }

    pub fn user_changed(&self, user: &UserJson) -> Printed {
        if self.json {
            return self.print_json(&user);
        }
        self.print(&if user.read_only {
            format!(
                "User '{}' ({}) is read-only: they may sign in and read, and every change is refused.\n",
                user.username, user.sid
            )
        } else {
            format!(
                "User '{}' ({}) is no longer read-only.\n",
                user.username, user.sid
            )
        })
    }

    pub fn key_rotated(&self, kid: &str, alg: SigningAlg) -> Printed {
        if self.json {
            return self.print_json(&json!({ "kid": kid, "alg": alg.name() }));
        }
        self.print(&format!(
            "New {alg} signing key {kid}.\nThe previous keys stay in the JWKS for 30 days, until every token they signed has expired.\n"
        ))
    }

    pub fn man_pages(&self, dir: &str, pages: &[std::path::PathBuf]) -> Printed {
        let names: Vec<String> = pages
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        if self.json {
            return self.print_json(&json!({ "dir": dir, "pages": names }));
        }
        self.print(&format!(
            "Wrote {} man pages into {dir}; read one with `man -l {dir}/oauth-console-apps.1`, or all by name with {dir}'s parent in MANPATH\n",
            names.len()
        ))
    }

    /// `config show`: each key, its value in force and where it came from.
    pub fn settings(&self, settings: &crate::cli::Settings) -> Printed {
        if self.json {
            return self.print_json(settings);
        }
        let mut text = match &settings.file {
            Some(file) => format!("Config file: {file}\n\n"),
            None => "Config file: none (write config.toml in the config directory, or pass --config FILE)\n\n".to_owned(),
        };
        let rows: Vec<Vec<String>> = settings
            .settings
            .iter()
            .map(|s| {
                let value = match (&s.value, &s.default_is) {
                    (Some(value), _) => value.clone(),
                    (None, Some(default)) => format!("({default})"),
                    (None, None) => "(not set)".to_owned(),
                };
                vec![s.key.to_owned(), value, s.source.to_string()]
            })
            .collect();
        text.push_str(&table(&["KEY", "VALUE", "FROM"], rows));
        self.print(&text)
    }

    pub fn backed_up(&self, data_dir: &str, file: &str, records: u64, by_holder: bool) -> Printed {
        if self.json {
            return self.print_json(&json!({
                "data_dir": data_dir, "file": file, "records": records,
                "read_by_running_process": by_holder,
            }));
        }
        let via = if by_holder {
            " (read by the `serve` or console holding it)"
        } else {
            ""
        };
        self.print(&format!(
            "Backed up {records} records of {data_dir}{via} to {file}.\nIt holds the signing keys and secret digests: keep it as private as the data directory.\n"
        ))
    }

    pub fn migrated(&self, data_dir: &str, database: &str, copied: &[(&str, usize)]) -> Printed {
        if self.json {
            let counts: serde_json::Map<String, serde_json::Value> = copied
                .iter()
                .map(|(kind, count)| (kind.replace(' ', "_"), json!(count)))
                .collect();
            return self.print_json(
                &json!({ "data_dir": data_dir, "database": database, "copied": counts }),
            );
        }
        let mut text = format!("Copied the store of {data_dir} into the database {database}:\n");
        for (kind, count) in copied {
            text.push_str(&format!("  {count:>8}  {kind}\n"));
        }
        text.push_str(
            "Run serve, commands and the console with --database-url (or OAUTH_CONSOLE_DATABASE_URL) from now on; the data directory is left as it was.\n",
        );
        self.print(&text)
    }

    pub fn restored(&self, file: &str, data_dir: &str, records: u64) -> Printed {
        if self.json {
            return self
                .print_json(&json!({ "file": file, "data_dir": data_dir, "records": records }));
        }
        self.print(&format!(
            "Restored {records} records from {file} into {data_dir}.\nEvery client secret, refresh token, session and signing key of the backup works again.\n"
        ))
    }

    pub fn exported(&self, file: &str, owners: usize, apps: usize) -> Printed {
        if self.json {
            return self.print_json(&json!({ "file": file, "owners": owners, "apps": apps }));
        }
        self.print(&format!(
            "Exported {} of {} to {file} (no secrets).\n",
            plural(apps, "app"),
            plural(owners, "owner")
        ))
    }

    pub fn imported(&self, result: &ImportResultJson) -> Printed {
        if self.json {
            return self.print_json(result);
        }
        let done = !result.dry_run;
        let mut text = String::new();
        if result.dry_run {
            text.push_str("Dry run: nothing was changed.\n");
        }
        for item in &result.items {
            let action = match (item.action.as_str(), done) {
                ("create", true) => "created",
                ("create", false) => "create",
                ("update", true) => "updated",
                ("update", false) => "update",
                ("delete", true) => "deleted",
                ("delete", false) => "delete",
                (other, _) => other,
            };
            text.push_str(&format!(
                "{action:<10} {}  {}\n",
                item.client_id, item.friendly_name
            ));
            for change in &item.changes {
                text.push_str(&format!(
                    "           {}: {} -> {}\n",
                    change.field,
                    shown(&change.before),
                    shown(&change.after)
                ));
            }
            if item.action == "keep" {
                text.push_str("           not in the file; --prune deletes it\n");
            }
            if let Some(secret) = &item.client_secret {
                text.push_str(&format!("           Client secret: {secret}\n"));
            }
        }
        let (create, update, delete) = if done {
            ("created", "updated", "deleted")
        } else {
            ("to create", "to update", "to delete")
        };
        text.push_str(&format!(
            "{} {create}, {} {update}, {} unchanged, {} {delete}, {} kept.\n",
            result.created, result.updated, result.unchanged, result.deleted, result.kept
        ));
        if result.dry_run {
            if result.created + result.updated + result.deleted > 0 {
                text.push_str("Run it again without --dry-run to apply.\n");
            }
        } else if !result.applied {
            text.push_str("Nothing to change: the apps already match the file.\n");
        }
        if result.items.iter().any(|i| i.client_secret.is_some()) {
            text.push_str(
                "Copy the new secrets now and store them somewhere secure: they are never shown again.\n",
            );
        }
        self.print(&text)
    }

    pub fn scopes(&self, kind: OwnerKind) -> Printed {
        let groups = super::scope_groups(kind);
        if self.json {
            let scopes: Vec<_> = groups
                .iter()
                .flat_map(|(area, permissions)| {
                    permissions.iter().map(move |p| {
                        let endpoints: Vec<_> = p
                            .endpoints
                            .iter()
                            .map(|e| json!({ "method": e.method, "url": e.pattern }))
                            .collect();
                        json!({ "scope": p.name, "area": area, "endpoints": endpoints })
                    })
                })
                .collect();
            return self.print_json(&scopes);
        }
        let mut text = String::new();
        for (area, permissions) in groups {
            text.push_str(&format!("{area} ({})\n", permissions.len()));
            for p in permissions {
                text.push_str(&format!("  {}\n", p.name));
            }
        }
        self.print(&text)
    }
}

fn meta(count: usize, next: Option<&str>) -> serde_json::Value {
    json!({ "count": count, "next_page_token": next })
}

fn more(count: usize, what: &str, next: Option<&str>) -> String {
    match next {
        Some(token) => format!("{count} {what} shown; more with --after {token}\n"),
        None if count == 0 => format!("No {what}.\n"),
        None => String::new(),
    }
}

/// Columns as wide as their widest cell, two spaces apart.
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut text = line(headers.to_vec());
    for row in &rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

/// A value of a change, with "not set" for empty text.
fn shown(value: &str) -> String {
    if value.is_empty() {
        "(not set)".to_owned()
    } else {
        format!("{value:?}")
    }
}

fn plural(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_align_to_the_widest_cell() {
        let text = table(
            &["NAME", "ID"],
            vec![
                vec!["a".into(), "1".into()],
                vec!["longer".into(), "22".into()],
            ],
        );
        assert_eq!(text, "NAME    ID\na       1\nlonger  22\n");
    }
}
