//! OAuth apps and the rules their fields obey. Every limit is a constant here, beside the message
//! that names it; [`AppSettings::validate`] is the one check that create and update both pass.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::scopes::{self, OFFLINE_ACCESS};
use super::{OwnerKind, Seconds, SecretRecord, Sid, Timestamp, UserRef};

pub const NAME_MAX_CHARS: usize = 64;
pub const DESCRIPTION_MAX_CHARS: usize = 255;
pub const COMPANY_NAME_MAX_CHARS: usize = 64;
pub const URL_MAX_CHARS: usize = 2048;
pub const MAX_SCOPES: usize = 100;
pub const MAX_REDIRECT_URIS: usize = 10;
pub const MAX_IMAGES: usize = 5;
pub const MIN_TOKEN_TTL: Seconds = Seconds::MINUTE;
pub const MAX_TOKEN_TTL: Seconds = Seconds::days(30);
pub const DEFAULT_TOKEN_TTL: Seconds = Seconds::HOUR;
/// OAuth apps exist in Twilio's US1 region only (FAQ).
pub const REGION: &str = "us1";

/// How an app gets its tokens. Chosen at creation and fixed after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantType {
    ClientCredentials,
    AuthorizationCode,
}

impl GrantType {
    /// The name used on the command line and in the API: `client-credentials`,
    /// `authorization-code`.
    pub fn slug(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client-credentials",
            GrantType::AuthorizationCode => "authorization-code",
        }
    }

    /// The name the console shows.
    pub fn label(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "Client credentials",
            GrantType::AuthorizationCode => "Authorization code",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a grant type: use client-credentials or authorization-code")]
pub struct UnknownGrantType(String);

impl FromStr for GrantType {
    type Err = UnknownGrantType;
    fn from_str(text: &str) -> Result<GrantType, UnknownGrantType> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "client-credentials" => Ok(GrantType::ClientCredentials),
            "authorization-code" => Ok(GrantType::AuthorizationCode),
            _ => Err(UnknownGrantType(text.to_owned())),
        }
    }
}

/// The fields of an app a person fills in, at creation and when editing. The fields of
/// authorization-code apps (company name to redirect URLs) stay empty for client-credentials apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    pub name: String,
    pub description: String,
    pub scopes: Vec<String>,
    pub token_ttl: Seconds,
    pub company_name: String,
    pub images: Vec<String>,
    pub homepage_url: String,
    pub terms_url: String,
    pub redirect_uris: Vec<String>,
}

impl Default for AppSettings {
    fn default() -> AppSettings {
        AppSettings {
            name: String::new(),
            description: String::new(),
            scopes: Vec::new(),
            token_ttl: DEFAULT_TOKEN_TTL,
            company_name: String::new(),
            images: Vec::new(),
            homepage_url: String::new(),
            terms_url: String::new(),
            redirect_uris: Vec::new(),
        }
    }
}

/// The fields of an app, named as a person sees them; each validation error points at one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Owner,
    Region,
    GrantType,
    Name,
    Description,
    Scopes,
    TokenTtl,
    CompanyName,
    Images,
    HomepageUrl,
    TermsUrl,
    RedirectUris,
    GracePeriod,
    Username,
    Password,
    PageToken,
    /// An entry of an import file names its app by client ID.
    ClientId,
}

impl Field {
    pub const ALL: [Field; 17] = [
        Field::Owner,
        Field::Region,
        Field::GrantType,
        Field::Name,
        Field::Description,
        Field::Scopes,
        Field::TokenTtl,
        Field::CompanyName,
        Field::Images,
        Field::HomepageUrl,
        Field::TermsUrl,
        Field::RedirectUris,
        Field::GracePeriod,
        Field::Username,
        Field::Password,
        Field::PageToken,
        Field::ClientId,
    ];

    /// The field a label names: how the management API's error bodies name fields.
    pub fn from_label(label: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.label() == label)
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Owner => "owner",
            Field::Region => "region",
            Field::GrantType => "grant type",
            Field::Name => "name",
            Field::Description => "description",
            Field::Scopes => "scopes",
            Field::TokenTtl => "token expiration",
            Field::CompanyName => "company name",
            Field::Images => "image URL",
            Field::HomepageUrl => "homepage URL",
            Field::TermsUrl => "terms of service URL",
            Field::RedirectUris => "redirect URL",
            Field::GracePeriod => "grace period",
            Field::Username => "username",
            Field::Password => "password",
            Field::PageToken => "page token",
            Field::ClientId => "client ID",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One field that breaks a rule, with a sentence that names the field and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Every field that breaks a rule, in form order; shown as one line joined by "; ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn for_field(&self, field: Field) -> Option<&FieldError> {
        self.0.iter().find(|error| error.field == field)
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> ValidationErrors {
        ValidationErrors(vec![error])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

pub fn validate_name(name: &str) -> Result<(), FieldError> {
    let chars = name.trim().chars().count();
    if chars == 0 {
        return Err(FieldError::new(
            Field::Name,
            format!("name is required (1 to {NAME_MAX_CHARS} characters)"),
        ));
    }
    check_length(Field::Name, name, NAME_MAX_CHARS)
}

pub fn validate_token_ttl(ttl: Seconds) -> Result<(), FieldError> {
    if (MIN_TOKEN_TTL..=MAX_TOKEN_TTL).contains(&ttl) {
        Ok(())
    } else {
        Err(FieldError::new(
            Field::TokenTtl,
            format!(
                "token expiration must be between 1 minute and 30 days ({MIN_TOKEN_TTL} to {MAX_TOKEN_TTL}); {ttl} was given"
            ),
        ))
    }
}

pub fn validate_grace_period(grace: Seconds) -> Result<(), FieldError> {
    let max = super::MAX_GRACE_PERIOD;
    if grace <= max {
        Ok(())
    } else {
        Err(FieldError::new(
            Field::GracePeriod,
            format!("grace period must be between 0 and 30 days (0s to {max}); {grace} was given"),
        ))
    }
}

pub fn validate_region(region: &str) -> Result<(), FieldError> {
    if region.trim().eq_ignore_ascii_case(REGION) {
        Ok(())
    } else {
        Err(FieldError::new(
            Field::Region,
            format!("region '{region}' is not supported: OAuth apps are available in us1 only"),
        ))
    }
}

pub fn validate_grant_type(owner: OwnerKind, grant: GrantType) -> Result<(), FieldError> {
    if owner == OwnerKind::Account && grant == GrantType::AuthorizationCode {
        return Err(FieldError::new(
            Field::GrantType,
            "account apps support the client-credentials grant type only; authorization-code apps belong to an organization",
        ));
    }
    Ok(())
}

/// Checks one scope list against the catalog for this owner kind and grant type.
pub fn validate_scopes(
    owner: OwnerKind,
    grant: GrantType,
    scopes: &[String],
) -> Result<(), FieldError> {
    let count = scopes.len();
    if count == 0 {
        return Err(FieldError::new(
            Field::Scopes,
            format!("select at least 1 scope (an app may have 1 to {MAX_SCOPES})"),
        ));
    }
    if count > MAX_SCOPES {
        return Err(FieldError::new(
            Field::Scopes,
            format!("an app may have at most {MAX_SCOPES} scopes; {count} were selected"),
        ));
    }
    let catalog = scopes::catalog();
    if let Some(unknown) = scopes.iter().find(|s| !catalog.is_known(owner, s)) {
        let whose = match owner {
            OwnerKind::Account => "account",
            OwnerKind::Organization => "organization",
        };
        return Err(FieldError::new(
            Field::Scopes,
            format!(
                "'{unknown}' is not a scope of {whose} apps; `oauth-console scopes` lists them"
            ),
        ));
    }
    if grant == GrantType::ClientCredentials && scopes.iter().any(|s| s == OFFLINE_ACCESS) {
        return Err(FieldError::new(
            Field::Scopes,
            "offline_access asks for refresh tokens, which only authorization-code apps get",
        ));
    }
    Ok(())
}

/// An absolute `https` URL, or `http` to a loopback host (for local development); no fragment
/// where the URL is a redirect target (RFC 6749 §3.1.2).
pub fn validate_url(field: Field, text: &str) -> Result<(), FieldError> {
    check_length(field, text, URL_MAX_CHARS)?;
    let label = field.label();
    let bad = |why: &str| FieldError::new(field, format!("{label} '{text}' {why}"));
    let url = url::Url::parse(text)
        .map_err(|_| bad("is not an absolute URL (https://… or http://localhost…)"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(bad("has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("must use https (http is allowed only for localhost)")),
        _ => return Err(bad("must be an https URL")),
    }
    if field == Field::RedirectUris && url.fragment().is_some() {
        return Err(bad("must not contain a fragment (#…)"));
    }
    Ok(())
}

fn check_length(field: Field, text: &str, max: usize) -> Result<(), FieldError> {
    let chars = text.chars().count();
    if chars > max {
        Err(FieldError::new(
            field,
            format!(
                "{} may be at most {max} characters; {chars} were given",
                field.label()
            ),
        ))
    } else {
        Ok(())
    }
}

impl AppSettings {
    /// Trims text, drops repeated scopes, and checks every rule, returning every field that breaks
    /// one so that a form can mark them all.
    pub fn validate(
        mut self,
        owner: OwnerKind,
        grant: GrantType,
    ) -> Result<AppSettings, ValidationErrors> {
        self.normalize();
        let mut errors = Vec::new();
        let mut check = |result: Result<(), FieldError>| {
            if let Err(error) = result {
                errors.push(error);
            }
        };
        check(validate_grant_type(owner, grant));
        check(validate_name(&self.name));
        check(check_length(
            Field::Description,
            &self.description,
            DESCRIPTION_MAX_CHARS,
        ));
        check(validate_scopes(owner, grant, &self.scopes));
        check(validate_token_ttl(self.token_ttl));
        if owner == OwnerKind::Organization && self.token_ttl != DEFAULT_TOKEN_TTL {
            check(Err(FieldError::new(
                Field::TokenTtl,
                format!(
                    "token expiration can be set for account apps only; organization apps' tokens last {DEFAULT_TOKEN_TTL}"
                ),
            )));
        }
        match grant {
            GrantType::ClientCredentials => {
                for (field, present) in [
                    (Field::CompanyName, !self.company_name.is_empty()),
                    (Field::Images, !self.images.is_empty()),
                    (Field::HomepageUrl, !self.homepage_url.is_empty()),
                    (Field::TermsUrl, !self.terms_url.is_empty()),
                    (Field::RedirectUris, !self.redirect_uris.is_empty()),
                ] {
                    if present {
                        check(Err(FieldError::new(
                            field,
                            format!("{} is for authorization-code apps only", field.label()),
                        )));
                    }
                }
            }
            GrantType::AuthorizationCode => {
                check(check_length(
                    Field::CompanyName,
                    &self.company_name,
                    COMPANY_NAME_MAX_CHARS,
                ));
                check(check_count(Field::Images, &self.images, 0, MAX_IMAGES));
                self.images
                    .iter()
                    .for_each(|u| check(validate_url(Field::Images, u)));
                for (field, url) in [
                    (Field::HomepageUrl, &self.homepage_url),
                    (Field::TermsUrl, &self.terms_url),
                ] {
                    if !url.is_empty() {
                        check(validate_url(field, url));
                    }
                }
                check(check_count(
                    Field::RedirectUris,
                    &self.redirect_uris,
                    1,
                    MAX_REDIRECT_URIS,
                ));
                self.redirect_uris
                    .iter()
                    .for_each(|u| check(validate_url(Field::RedirectUris, u)));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ValidationErrors(errors))
        }
    }

    fn normalize(&mut self) {
        for text in [
            &mut self.name,
            &mut self.description,
            &mut self.company_name,
            &mut self.homepage_url,
            &mut self.terms_url,
        ] {
            *text = text.trim().to_owned();
        }
        for list in [&mut self.scopes, &mut self.images, &mut self.redirect_uris] {
            let mut seen = std::collections::HashSet::new();
            list.retain_mut(|item| {
                *item = item.trim().to_owned();
                !item.is_empty() && seen.insert(item.clone())
            });
        }
    }

    /// What differs between `self` (before) and `after`, for the audit trail.
    pub fn changes_to(&self, after: &AppSettings) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        let mut text = |field: Field, before: &str, now: &str| {
            if before != now {
                changes.push(FieldChange::new(field.label(), before, now));
            }
        };
        text(Field::Name, &self.name, &after.name);
        text(Field::Description, &self.description, &after.description);
        text(
            Field::TokenTtl,
            &self.token_ttl.to_string(),
            &after.token_ttl.to_string(),
        );
        text(Field::CompanyName, &self.company_name, &after.company_name);
        text(
            Field::Images,
            &self.images.join(" "),
            &after.images.join(" "),
        );
        text(Field::HomepageUrl, &self.homepage_url, &after.homepage_url);
        text(Field::TermsUrl, &self.terms_url, &after.terms_url);
        text(
            Field::RedirectUris,
            &self.redirect_uris.join(" "),
            &after.redirect_uris.join(" "),
        );
        let added: Vec<&str> = after
            .scopes
            .iter()
            .filter(|s| !self.scopes.contains(s))
            .map(String::as_str)
            .collect();
        let removed: Vec<&str> = self
            .scopes
            .iter()
            .filter(|s| !after.scopes.contains(s))
            .map(String::as_str)
            .collect();
        if !added.is_empty() {
            changes.push(FieldChange::new("scopes added", "", &added.join(" ")));
        }
        if !removed.is_empty() {
            changes.push(FieldChange::new("scopes removed", "", &removed.join(" ")));
        }
        changes
    }
}

fn check_count(field: Field, items: &[String], min: usize, max: usize) -> Result<(), FieldError> {
    let count = items.len();
    if (min..=max).contains(&count) {
        return Ok(());
    }
    let label = field.label();
    let message = if count < min {
        format!("{label} is required for authorization-code apps (1 to {max})")
    } else {
        format!("an app may have at most {max} of {label}; {count} were given")
    };
    Err(FieldError::new(field, message))
}

/// One changed field in an audit event; empty text stands for "not set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl FieldChange {
    pub fn new(field: &str, before: &str, after: &str) -> FieldChange {
        FieldChange {
            field: field.to_owned(),
            before: before.to_owned(),
            after: after.to_owned(),
        }
    }
}

/// An OAuth app as stored. Its SID is its client ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthApp {
    pub sid: Sid,
    pub owner: Sid,
    pub grant_type: GrantType,
    pub settings: AppSettings,
    /// Digests of the secrets that work or did until lately; never the secrets themselves.
    pub secrets: Vec<SecretRecord>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Kept when the user is deleted: the app and its credentials carry on (FAQ).
    pub created_by: UserRef,
    /// Grows by one with every change, so that a save based on an older copy is refused rather
    /// than overwriting what someone else changed.
    pub version: u64,
}

impl OAuthApp {
    pub fn client_id(&self) -> &Sid {
        &self.sid
    }

    pub fn owner_kind(&self) -> OwnerKind {
        OwnerKind::of(&self.owner)
    }

    /// Where a person is sent to authorize this app; see `AppView::authorization_url`.
    pub fn authorization_url(&self, issuer: &str) -> Option<String> {
        authorization_url(&self.sid, self.grant_type, &self.settings, issuer)
    }
}

/// Where a person is sent to authorize an authorization-code app (seed 002), on the server whose
/// issuer URL is given; `None` for client-credentials apps. Clients add their own `state` and
/// PKCE parameters.
pub(super) fn authorization_url(
    client_id: &Sid,
    grant_type: GrantType,
    settings: &AppSettings,
    issuer: &str,
) -> Option<String> {
    if grant_type != GrantType::AuthorizationCode {
        return None;
    }
    let base = format!("{}/v2/authorize", issuer.trim_end_matches('/'));
    let mut url = url::Url::parse(&base).ok()?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id.as_str())
        .append_pair("response_type", "code")
        .append_pair("scope", &settings.scopes.join(" "))
        .append_pair(
            "redirect_uri",
            settings.redirect_uris.first().map_or("", String::as_str),
        );
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(scopes: &[&str]) -> AppSettings {
        AppSettings {
            name: "demo".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..AppSettings::default()
        }
    }

    const MESSAGES_READ: &str = "/twilio/messaging/messages/read";

    fn error_of(result: Result<AppSettings, ValidationErrors>, field: Field) -> String {
        let errors = result.expect_err("should be refused");
        errors
            .for_field(field)
            .unwrap_or_else(|| panic!("no error for {field}: {errors}"))
            .message
            .clone()
    }

    #[test]
    fn an_account_app_with_one_scope_and_defaults_is_valid() {
        let valid = settings(&[MESSAGES_READ, MESSAGES_READ])
            .validate(OwnerKind::Account, GrantType::ClientCredentials)
            .unwrap();
        assert_eq!(valid.scopes, vec![MESSAGES_READ.to_string()]);
        assert_eq!(valid.token_ttl, Seconds(3600));
    }

    #[test]
    fn each_limit_is_named_in_its_refusal() {
        let cc = GrantType::ClientCredentials;
        let account = OwnerKind::Account;
        let mut empty_name = settings(&[MESSAGES_READ]);
        empty_name.name = "   ".into();
        assert_eq!(
            error_of(empty_name.validate(account, cc), Field::Name),
            "name is required (1 to 64 characters)"
        );
        let mut long_name = settings(&[MESSAGES_READ]);
        long_name.name = "x".repeat(65);
        assert_eq!(
            error_of(long_name.validate(account, cc), Field::Name),
            "name may be at most 64 characters; 65 were given"
        );
        let mut short_ttl = settings(&[MESSAGES_READ]);
        short_ttl.token_ttl = Seconds(30);
        assert_eq!(
            error_of(short_ttl.validate(account, cc), Field::TokenTtl),
            "token expiration must be between 1 minute and 30 days (1m to 30d); 30s was given"
        );
        let unknown = settings(&["/twilio/messaging/nothing/read"]);
        assert!(
            error_of(unknown.validate(account, cc), Field::Scopes)
                .contains("is not a scope of account apps")
        );
        let org_scope_on_account = settings(&["managed-users/read"]);
        assert!(
            error_of(org_scope_on_account.validate(account, cc), Field::Scopes)
                .contains("not a scope of account apps")
        );
        assert!(
            error_of(
                settings(&[MESSAGES_READ]).validate(account, GrantType::AuthorizationCode),
                Field::GrantType
            )
            .contains("client-credentials grant type only")
        );
    }

    #[test]
    fn more_than_100_scopes_are_refused() {
        let names: Vec<String> = scopes::catalog()
            .for_owner(OwnerKind::Account)
            .take(101)
            .map(|p| p.name.to_string())
            .collect();
        let mut too_many = settings(&[]);
        too_many.scopes = names.clone();
        assert_eq!(
            error_of(
                too_many.validate(OwnerKind::Account, GrantType::ClientCredentials),
                Field::Scopes
            ),
            "an app may have at most 100 scopes; 101 were selected"
        );
        let mut hundred = settings(&[]);
        hundred.scopes = names[..100].to_vec();
        assert!(
            hundred
                .validate(OwnerKind::Account, GrantType::ClientCredentials)
                .is_ok()
        );
    }

    #[test]
    fn authorization_code_apps_need_a_safe_redirect_url() {
        let org = OwnerKind::Organization;
        let ac = GrantType::AuthorizationCode;
        let base = settings(&["managed-users/read", OFFLINE_ACCESS]);
        assert!(error_of(base.clone().validate(org, ac), Field::RedirectUris).contains("required"));
        for (url, ok) in [
            ("https://app.example.com/callback", true),
            ("http://localhost:8080/cb", true),
            ("http://127.0.0.1/cb", true),
            ("http://[::1]:9000/cb", true),
            ("http://app.example.com/cb", false),
            ("/callback", false),
            ("ftp://example.com/cb", false),
            ("https://app.example.com/cb#frag", false),
        ] {
            let mut with_url = base.clone();
            with_url.redirect_uris = vec![url.into()];
            assert_eq!(with_url.validate(org, ac).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn client_credentials_apps_have_no_authorization_code_fields() {
        let mut app = settings(&["managed-users/read", OFFLINE_ACCESS]);
        app.redirect_uris = vec!["https://example.com/cb".into()];
        let errors = app
            .validate(OwnerKind::Organization, GrantType::ClientCredentials)
            .unwrap_err();
        assert!(errors.for_field(Field::RedirectUris).is_some());
        assert!(errors.to_string().contains("offline_access"));
    }

    #[test]
    fn changes_name_each_field_and_scope_difference() {
        let before = settings(&[MESSAGES_READ]);
        let mut after = before.clone();
        after.name = "renamed".into();
        after.scopes = vec!["/twilio/messaging/messages/list".into()];
        let changes = after_changes(&before, &after);
        assert_eq!(
            changes,
            vec![
                "name: demo -> renamed",
                "scopes added:  -> /twilio/messaging/messages/list",
                "scopes removed:  -> /twilio/messaging/messages/read",
            ]
        );
    }

    fn after_changes(before: &AppSettings, after: &AppSettings) -> Vec<String> {
        before
            .changes_to(after)
            .into_iter()
            .map(|c| format!("{}: {} -> {}", c.field, c.before, c.after))
            .collect()
    }

    #[test]
    fn only_us1_is_a_region() {
        assert!(validate_region("US1").is_ok());
        assert_eq!(
            validate_region("ie1").unwrap_err().message,
            "region 'ie1' is not supported: OAuth apps are available in us1 only"
        );
    }
}
