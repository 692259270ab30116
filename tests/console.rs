//! The console as a person drives it: key presses (and a few clicks) into the headless console
//! over a real sled store, with a fixed clock and seeded randomness, and named snapshots of the
//! frames a person would look at. Each test is one scenario; error paths included.
//!
//! tests.rs compiles this file twice: as `console`, over [`LocalBackend`], where insta keeps the
//! snapshots; and as `console_remote`, over a [`RemoteBackend`] speaking to a server on
//! 127.0.0.1:0 over the same store, clock and seed, where every frame must equal the snapshot the
//! local run keeps. Remote mode changes no screen.

use std::sync::Arc;

use oauth_console::backend::{Backend, Introspected, LocalBackend, RemoteBackend, ServerTrust};
use oauth_console::model::{
    AppSettings, AppUpdate, GeneratedPassword, GrantType, ListApps, NewApp, NewUser, OAuthApp,
    Role, Seconds, SecretDigest, Session, Sid, SigningAlg, Timestamp, s256_challenge,
};
use oauth_console::server::{self, AppState, ServerConfig};
use oauth_console::service::{
    AuthorizationConfig, AuthorizationRequest, AuthorizationServer, ConsoleService, ManualClock,
    SeededEntropy,
};
use oauth_console::store::{SledStore, Store, Write};
use oauth_console::tui::keys::KeyMap;
use oauth_console::tui::replay::parse_key;
use oauth_console::tui::screens::dialogs::FirstStart;
use oauth_console::tui::screens::token::TokenOutcome;
use oauth_console::tui::state::Screen;
use oauth_console::tui::{Headless, MemoryClipboard};

pub(crate) const WIDTH: u16 = 110;
pub(crate) const HEIGHT: u16 = 30;
const START: Timestamp = Timestamp(1_795_462_741_000);
const MESSAGES_READ: &str = "/twilio/messaging/messages/read";
const ISSUER: &str = "http://localhost:8080";
/// Every user's password in these scenarios.
pub(crate) const PASSWORD: &str = "a long test password";

/// Whether this copy of the file is the remote one (see the module's doc).
fn over_a_server() -> bool {
    module_path!().ends_with("console_remote")
}

pub(crate) struct World {
    service: ConsoleService,
    store: Arc<SledStore>,
    clock: Arc<ManualClock>,
    pub(crate) admin: Sid,
    account: Sid,
    organization: Sid,
    _dir: tempfile::TempDir,
}

pub(crate) async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START));
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let service = ConsoleService::new(
        store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(7)),
    );
    let made = service
        .bootstrap("admin", Some(PASSWORD.into()))
        .await
        .unwrap()
        .unwrap();
    let admin = service.local_user(None).await.unwrap().sid;
    World {
        service,
        store,
        clock,
        admin,
        account: made.owners[0].sid.clone(),
        organization: made.owners[2].sid.clone(),
        _dir: dir,
    }
}

impl World {
    pub(crate) async fn app(&self, name: &str) -> OAuthApp {
        self.clock.advance(Seconds::MINUTE);
        self.service
            .create_app(
                &self.admin,
                NewApp {
                    owner: self.account.clone(),
                    grant_type: GrantType::ClientCredentials,
                    settings: AppSettings {
                        name: name.into(),
                        description: format!("{name}, for tests"),
                        scopes: vec![MESSAGES_READ.into()],
                        ..AppSettings::default()
                    },
                    region: None,
                },
            )
            .await
            .unwrap()
            .app
    }

    async fn console(&self) -> Console {
        self.console_as(&self.admin).await
    }

    async fn console_as(&self, user: &Sid) -> Console {
        self.console_with(user, ISSUER).await
    }

    /// The console with `issuer` as the authorization server's URL (where the token tool asks,
    /// locally; over a server, the token tool asks that server).
    pub(crate) async fn console_with(&self, user: &Sid, issuer: &str) -> Console {
        let (backend, server): (Arc<dyn Backend>, _) = if over_a_server() {
            let (backend, server) = self.remote_backend(user).await;
            (Arc::new(backend), Some(server))
        } else {
            let local = LocalBackend::new(self.service.clone(), user.clone(), issuer.into());
            (Arc::new(local), None)
        };
        let clipboard = Arc::new(MemoryClipboard::default());
        let ui = Headless::start(backend, clipboard.clone(), WIDTH, HEIGHT)
            .await
            .unwrap();
        Console {
            ui,
            clipboard,
            _server: server,
        }
    }

    /// A server over this world's service on 127.0.0.1:0, and a backend signed in to it as
    /// `user`.
    async fn remote_backend(&self, user: &Sid) -> (RemoteBackend, ServerTask) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (base, server) = self.management_server(listener).await;
        (self.signed_in_backend(user, &base).await, server)
    }

    /// A backend signed in as `user` to the server at `base`, judging time by the world's clock.
    /// The session is written to the store directly: signing in would draw on the seeded
    /// randomness and change every SID after it.
    async fn signed_in_backend(&self, user: &Sid, base: &str) -> RemoteBackend {
        let token = format!("console-test-session-{user}");
        self.store
            .commit(vec![Write::PutSession(Session {
                digest: SecretDigest::of(&token),
                user: user.clone(),
                created_at: START,
                expires_at: START.plus(Seconds::days(365)),
            })])
            .await
            .unwrap();
        RemoteBackend::connect(base, &ServerTrust::platform(), token)
            .await
            .unwrap()
            .with_clock(self.clock.clone())
    }

    /// The console as `user` with `served` as its authorization server: locally, the server its
    /// token tool asks; over a server, the server it works over.
    async fn console_served(&self, user: &Sid, served: &Served) -> Console {
        let backend: Arc<dyn Backend> = if over_a_server() {
            Arc::new(self.signed_in_backend(user, &served.base).await)
        } else {
            let local = LocalBackend::new(self.service.clone(), user.clone(), served.base.clone());
            Arc::new(local)
        };
        let clipboard = Arc::new(MemoryClipboard::default());
        let ui = Headless::start(backend, clipboard.clone(), WIDTH, HEIGHT)
            .await
            .unwrap();
        Console {
            ui,
            clipboard,
            _server: None,
        }
    }

    /// `oauth-console serve` over this world's service on `listener`, with the issuer fixed so
    /// that frames do not depend on the port; its base URL.
    pub(crate) async fn management_server(
        &self,
        listener: tokio::net::TcpListener,
    ) -> (String, ServerTask) {
        let auth = AuthorizationServer::start(
            self.service.clone(),
            AuthorizationConfig {
                issuer: ISSUER.into(),
                default_audience: ISSUER.into(),
                signing_alg: Some(SigningAlg::ES256),
            },
        )
        .await
        .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = ServerConfig::default();
        let state = AppState::new(auth, &config);
        let task = tokio::spawn(async move {
            server::serve(listener, state, &config, std::future::pending()).await
        });
        (base, ServerTask(task))
    }

    async fn app_names(&self) -> Vec<String> {
        let all = ListApps {
            page_size: 1000,
            ..ListApps::default()
        };
        self.service
            .apps(&self.admin, &self.account, all)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|app| app.settings.name)
            .collect()
    }
}

/// The server of a remote console, stopped with it.
pub(crate) struct ServerTask(tokio::task::JoinHandle<std::io::Result<()>>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) struct Console {
    pub(crate) ui: Headless,
    pub(crate) clipboard: Arc<MemoryClipboard>,
    pub(crate) _server: Option<ServerTask>,
}

impl Console {
    /// Presses keys named as in scenario files: `n`, `Tab`, `Ctrl-s`, space-separated.
    pub(crate) async fn keys(&mut self, names: &str) {
        for name in names.split_whitespace() {
            let key = parse_key(name).unwrap_or_else(|e| panic!("{e}"));
            self.ui.key(key).await;
        }
    }

    pub(crate) async fn type_text(&mut self, text: &str) {
        self.ui.type_text(text).await;
    }

    pub(crate) fn frame(&mut self) -> String {
        self.ui.frame()
    }

    /// The status line, for assertions beside the snapshots.
    pub(crate) fn status(&self) -> String {
        self.ui
            .state()
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    /// The secret on the Copy secret page.
    fn shown_secret(&self) -> String {
        match &self.ui.state().screen {
            Screen::Wizard(wizard) => match &wizard.step {
                oauth_console::tui::screens::wizard::Step::CopySecret(page) => {
                    page.secret().to_owned()
                }
                _ => panic!("not on the Copy secret step"),
            },
            Screen::RotatedSecret(page) => page.secret().to_owned(),
            _ => panic!("not on a Copy secret page"),
        }
    }
}

/// What changes with the seeded randomness and the clock, masked in every console snapshot, so
/// that a change drawing one more random number or moving the clock changes no frame it does not
/// draw differently: SIDs keep their kind (`OQ[SID]`), client secrets and their short ids become
/// `[SECRET]` and `[SECRET-ID]`, and dates (cut off or not) `[DATE]`.
const SNAPSHOT_FILTERS: [(&str, &str); 5] = [
    (r"\b(AC|OQ|OR|US)[0-9a-f]{32}\b", "$1[SID]"),
    (r"\b(AC|OQ|OR|US)[0-9a-f]{1,31}…", "$1[SID]…"),
    (
        r"(?m)(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}([^A-Za-z0-9_-]|$)",
        "$1[SECRET]$2",
    ),
    (r"\b[0-9a-f]{8}\b", "[SECRET-ID]"),
    (
        r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}(?::\d{1,2}){0,2}Z?)?",
        "[DATE]",
    ),
];

/// insta's settings for console snapshots: [`SNAPSHOT_FILTERS`].
pub(crate) fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in SNAPSHOT_FILTERS {
        settings.add_filter(pattern, replacement);
    }
    settings
}

/// `frame` as a snapshot keeps it: [`SNAPSHOT_FILTERS`] applied in order, as insta applies them.
fn masked(frame: &str) -> String {
    SNAPSHOT_FILTERS
        .iter()
        .fold(frame.to_owned(), |frame, (pattern, replacement)| {
            let pattern = regex::Regex::new(pattern).unwrap();
            pattern.replace_all(&frame, *replacement).into_owned()
        })
}

/// Over the embedded store, insta keeps the snapshot; over a server, the frame must be the one
/// the embedded store's run keeps.
macro_rules! snap {
    ($name:expr, $console:expr) => {
        snap!($name, frame: $console.frame())
    };
    ($name:expr, frame: $frame:expr) => {
        let frame = $frame;
        if over_a_server() {
            assert_same_as_local_snapshot($name, &frame);
        } else {
            snapshot_settings().bind(|| insta::assert_snapshot!($name, frame));
        }
    };
}

#[track_caller]
fn assert_same_as_local_snapshot(name: &str, frame: &str) {
    let path = format!(
        "{}/tests/snapshots/tests__console__{name}.snap",
        env!("CARGO_MANIFEST_DIR")
    );
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // An insta file is a `---` header, then the snapshot.
    let (_, kept) = stored
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .unwrap_or_else(|| panic!("{path} is not an insta snapshot"));
    assert_eq!(
        masked(frame).trim_end(),
        kept.trim_end(),
        "the console over a server drew {name} differently"
    );
}

#[tokio::test]
async fn an_empty_store_opens_on_an_empty_list_that_says_what_to_do() {
    let w = world().await;
    let mut c = w.console().await;
    snap!("empty_list", c);
}

#[tokio::test]
async fn the_list_shows_apps_newest_first_and_sorts_oldest_first() {
    let w = world().await;
    for name in ["Billing sync", "Reports", "Warehouse bot"] {
        w.app(name).await;
    }
    let mut c = w.console().await;
    snap!("list_newest_first", c);
    c.keys("s").await;
    snap!("list_oldest_first", c);
}

#[tokio::test]
async fn slash_filters_by_name_and_esc_clears_it() {
    let w = world().await;
    for name in ["Billing sync", "Reports", "Billing export"] {
        w.app(name).await;
    }
    let mut c = w.console().await;
    c.keys("/").await;
    c.type_text("bill").await;
    snap!("list_filtered", c);
    c.type_text("zzz").await;
    snap!("list_filtered_to_nothing", c);
    c.keys("Esc").await;
    assert!(c.frame().contains("Reports"));
}

#[tokio::test]
async fn the_list_loads_further_pages_as_the_cursor_nears_the_end() {
    let w = world().await;
    for n in 0..230 {
        w.app(&format!("app {n:03}")).await;
    }
    let mut c = w.console().await;
    assert!(c.frame().contains("200 shown, more below"));
    c.keys("G").await;
    c.keys("G").await;
    snap!("list_last_page", c);
}

#[tokio::test]
async fn creating_an_account_app_walks_the_three_steps_and_shows_the_secret_once() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    snap!("wizard_details_empty", c);
    c.type_text("Billing sync").await;
    c.keys("Tab").await;
    c.type_text("Nightly export of usage records").await;
    c.keys("Ctrl-s").await;
    snap!("wizard_scopes", c);
    c.keys("Tab Tab Enter Down Space Down Space").await;
    snap!("wizard_scopes_two_selected", c);
    c.keys("Ctrl-s").await;
    snap!("wizard_copy_secret", c);
    let secret = c.shown_secret();
    c.keys("Enter").await;
    assert_eq!(c.clipboard.copied(), vec![secret.clone()]);
    assert_eq!(
        c.status(),
        "Copied the client secret to the replay clipboard"
    );
    c.keys("g Enter").await;
    snap!("wizard_finished_list", c);
    assert_eq!(w.app_names().await, ["Billing sync"]);
    let app = &w
        .service
        .apps(&w.admin, &w.account, ListApps::default())
        .await
        .unwrap()
        .items[0];
    assert!(
        w.service
            .authenticate_client(app.sid.as_str(), &secret)
            .await
            .is_ok(),
        "the secret shown works"
    );
}

#[tokio::test]
async fn an_empty_name_is_refused_at_the_field_with_the_models_message() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n Ctrl-s").await;
    snap!("wizard_empty_name", c);
    c.type_text("x").await;
    assert!(!c.frame().contains("name is required"));
}

#[tokio::test]
async fn a_name_over_64_characters_is_refused_with_its_count() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text(&"n".repeat(65)).await;
    c.keys("Ctrl-s").await;
    snap!("wizard_name_too_long", c);
}

#[tokio::test]
async fn a_30_second_token_expiration_is_refused_with_the_limits() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Short tokens").await;
    c.keys("Ctrl-s Ctrl-u").await;
    c.type_text("30s").await;
    c.keys("Tab Tab Enter Down Space Ctrl-s").await;
    snap!("wizard_ttl_30s", c);
    assert!(w.app_names().await.is_empty());
}

#[tokio::test]
async fn a_token_expiration_that_is_no_duration_says_how_to_write_one() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Typo").await;
    c.keys("Ctrl-s Ctrl-u").await;
    c.type_text("soon").await;
    c.keys("Ctrl-s").await;
    snap!("wizard_ttl_not_a_duration", c);
}

#[tokio::test]
async fn no_scope_at_all_is_refused() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Nothing").await;
    c.keys("Ctrl-s Ctrl-s").await;
    snap!("wizard_no_scope", c);
}

#[tokio::test]
async fn whole_areas_toggle_and_the_101st_scope_is_refused() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Everything").await;
    c.keys("Ctrl-s Tab Tab").await;
    // Voice alone has more permissions than an app may hold.
    c.keys("Down Down Down Down Space").await;
    snap!("wizard_area_too_big", c);
    c.keys("Home Space Down Space").await;
    // Messaging and Phone Numbers, then single scopes until the limit.
    c.keys("Down Down Down Right Down").await;
    let mut presses = 0;
    while c.ui.frame().contains("/100 selected") && !c.frame().contains("100/100 selected") {
        c.keys("Space Down").await;
        presses += 1;
        assert!(presses < 100, "never reached 100");
    }
    c.keys("Space").await;
    snap!("wizard_101st_scope", c);
}

#[tokio::test]
async fn searching_scopes_shows_only_matches_grouped_by_area() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Search").await;
    c.keys("Ctrl-s Tab").await;
    c.type_text("calls/read").await;
    snap!("wizard_scope_search", c);
}

#[tokio::test]
async fn finish_without_got_it_is_refused_and_leaving_asks_first() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Careful").await;
    c.keys("Ctrl-s Tab Tab Enter Down Space Ctrl-s").await;
    c.keys("Tab Tab Enter").await;
    snap!("copy_secret_finish_refused", c);
    c.keys("Esc").await;
    snap!("copy_secret_leave_asks", c);
    c.keys("n").await;
    assert!(c.ui.state().dialog.is_none());
    c.keys("g Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
}

#[tokio::test]
async fn shift_tab_on_the_secret_page_wraps_round_to_finish_as_tab_does() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Backwards").await;
    c.keys("Ctrl-s Tab Tab Enter Down Space Ctrl-s").await;
    // From the secret, back past the client ID to the last button, which refuses until Got it!
    c.keys("BackTab BackTab Enter").await;
    assert!(c.status().contains("Got it!"), "{}", c.status());
}

#[tokio::test]
async fn leaving_the_secret_page_when_confirmed_goes_back_to_the_list() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Leaver").await;
    c.keys("Ctrl-s Tab Tab Enter Down Space Ctrl-s Esc y").await;
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
    assert_eq!(w.app_names().await, ["Leaver"]);
}

#[tokio::test]
async fn an_organization_authorization_code_app_gets_an_authorization_url() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("o End Enter").await;
    snap!("organization_list", c);
    c.keys("n Right").await;
    snap!("org_wizard_authorization_code_fields", c);
    c.keys("Tab").await;
    c.type_text("Partner portal").await;
    c.keys("Tab Tab").await;
    c.type_text("Partner Inc").await;
    c.keys("Tab Tab Tab Tab").await;
    c.type_text("https://partner.example.com/callback").await;
    c.keys("Ctrl-s").await;
    c.keys("Tab").await;
    c.type_text("managed-users/read").await;
    c.keys("Tab Down Space").await;
    c.keys("BackTab Ctrl-u").await;
    c.type_text("offline").await;
    c.keys("Tab Down Space").await;
    snap!("org_wizard_scopes", c);
    c.keys("Ctrl-s").await;
    snap!("org_copy_secret_with_authorization_url", c);
}

#[tokio::test]
async fn a_plain_http_redirect_url_is_refused_at_the_field() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("o End Enter n Right Tab").await;
    c.type_text("Insecure").await;
    c.keys("Tab Tab Tab Tab Tab Tab").await;
    c.type_text("http://partner.example.com/cb").await;
    c.keys("Ctrl-s").await;
    snap!("org_wizard_bad_redirect", c);
}

#[tokio::test]
async fn cancelling_a_wizard_with_input_asks_before_discarding() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Half done").await;
    c.keys("Esc").await;
    snap!("wizard_discard_asks", c);
    c.keys("y").await;
    snap!("wizard_discarded", c);
    assert!(w.app_names().await.is_empty());
}

#[tokio::test]
async fn the_detail_view_has_the_consoles_tabs() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter").await;
    snap!("detail_application_details", c);
    c.keys("Tab").await;
    snap!("detail_access_settings", c);
    c.keys("Tab").await;
    snap!("detail_credentials", c);
    c.keys("Tab").await;
    snap!("detail_audit_events", c);
}

#[tokio::test]
async fn esc_from_an_app_goes_back_to_the_list_with_that_app_selected() {
    let w = world().await;
    for name in ["First", "Second", "Third"] {
        w.app(name).await;
    }
    let mut c = w.console().await;
    c.keys("Down Down Enter").await;
    assert!(c.frame().contains("┌ First "));
    c.keys("Esc").await;
    let frame = c.frame();
    let selected = frame.lines().find(|l| l.starts_with("│›")).unwrap();
    assert!(selected.contains("First"), "{frame}");
}

#[tokio::test]
async fn editing_application_details_saves_and_records_an_event() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter e").await;
    snap!("detail_editing", c);
    c.keys("Ctrl-u").await;
    c.type_text("Billing sync v2").await;
    c.keys("Ctrl-s").await;
    snap!("detail_saved", c);
    assert_eq!(w.app_names().await, ["Billing sync v2"]);
}

#[tokio::test]
async fn saving_an_empty_name_is_refused_and_nothing_changes() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter e Ctrl-u Ctrl-s").await;
    snap!("detail_empty_name", c);
    assert_eq!(w.app_names().await, ["Billing sync"]);
}

#[tokio::test]
async fn a_save_over_someone_elses_change_is_refused_not_lost() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter e Ctrl-u").await;
    c.type_text("Mine").await;
    w.service
        .update_app(
            &w.admin,
            &app.sid,
            AppUpdate {
                name: Some("Theirs".into()),
                ..AppUpdate::default()
            },
        )
        .await
        .unwrap();
    c.keys("Ctrl-s").await;
    snap!("detail_stale_save", c);
    assert_eq!(w.app_names().await, ["Theirs"]);
}

#[tokio::test]
async fn access_settings_change_token_expiration_and_scopes() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter Tab e").await;
    snap!("detail_access_editing", c);
    c.keys("Ctrl-u").await;
    c.type_text("15m").await;
    c.keys("Ctrl-s").await;
    snap!("detail_access_saved", c);
}

#[tokio::test]
async fn rotating_with_the_default_grace_keeps_the_old_secret_a_day() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter Tab Tab r").await;
    snap!("rotate_dialog", c);
    c.keys("Enter Enter").await;
    snap!("rotate_new_secret", c);
    c.keys("Tab Tab Enter").await;
    assert!(c.status().contains("Got it!"), "{}", c.status());
    c.keys("g Enter").await;
    snap!("rotate_done_credentials", c);
}

#[tokio::test]
async fn the_credentials_tab_lists_both_secrets_and_ends_the_older_ones_grace_when_confirmed() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    w.clock.advance(Seconds::HOUR);
    let rotated = w
        .service
        .rotate_secret(&w.admin, &app.sid, Seconds::DAY)
        .await
        .unwrap();
    let mut c = w.console().await;
    c.keys("Enter Tab Tab").await;
    snap!("credentials_two_secrets", c);
    c.keys("r").await;
    snap!("rotate_dialog_ends_the_older", c);
    c.keys("Esc E").await;
    snap!("end_grace_confirm", c);
    // "Cancel" is focused first: a stray Enter ends nothing.
    c.keys("Enter").await;
    assert!(c.ui.state().dialog.is_none());
    let unchanged = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(unchanged.secrets.len(), 2);
    c.keys("E Tab Enter").await;
    snap!("end_grace_done", c);
    let now = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(now.secrets, rotated.app.secrets[1..]);
    c.keys("E").await;
    assert!(
        c.status().contains("has no secret in a grace period"),
        "{}",
        c.status()
    );
}

#[tokio::test]
async fn rotating_with_grace_0_stops_the_old_secret_at_once() {
    let w = world().await;
    let dir = w.service.clone();
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Rotate me").await;
    c.keys("Ctrl-s Tab Tab Enter Down Space Ctrl-s").await;
    let old = c.shown_secret();
    c.keys("g Enter Enter Tab Tab r Backspace").await;
    c.type_text("0").await;
    c.keys("Enter Enter").await;
    snap!("rotate_grace_0", c);
    let new = c.shown_secret();
    let app = w
        .service
        .apps(&w.admin, &w.account, ListApps::default())
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(
        dir.authenticate_client(app.sid.as_str(), &old)
            .await
            .is_err()
    );
    assert!(
        dir.authenticate_client(app.sid.as_str(), &new)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn rotating_an_app_deleted_elsewhere_says_it_is_gone_and_what_to_do() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter Tab Tab r").await;
    w.service
        .delete_app(&w.admin, &app.sid, None)
        .await
        .unwrap();
    c.keys("Enter Enter").await;
    snap!("rotate_deleted_elsewhere", c);
    assert!(c.ui.state().dialog.is_none());
}

#[tokio::test]
async fn a_grace_period_over_30_days_is_refused_in_the_dialog() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter r Backspace").await;
    c.type_text("31").await;
    c.keys("Enter Enter").await;
    snap!("rotate_grace_31", c);
    assert!(c.ui.state().dialog_title().as_deref() == Some("Rotate secret"));
}

#[tokio::test]
async fn deleting_asks_for_the_apps_name() {
    let w = world().await;
    w.app("Billing sync").await;
    w.app("Reports").await;
    let mut c = w.console().await;
    c.keys("d").await;
    snap!("delete_dialog", c);
    c.type_text("reports").await;
    c.keys("Enter").await;
    snap!("delete_wrong_name", c);
    assert_eq!(w.app_names().await.len(), 2);
    c.keys("Ctrl-u").await;
    c.type_text("Reports").await;
    c.keys("Enter").await;
    snap!("delete_done", c);
    assert_eq!(w.app_names().await, ["Billing sync"]);
}

#[tokio::test]
async fn deleting_from_the_detail_view_returns_to_the_list() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter d").await;
    c.type_text("Billing sync").await;
    c.keys("Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
    assert!(w.app_names().await.is_empty());
}

#[tokio::test]
async fn a_billing_user_sees_why_they_may_not_manage_apps() {
    let w = world().await;
    w.app("Billing sync").await;
    let (billing, _) = w
        .service
        .add_user(
            &w.admin,
            NewUser {
                username: "bea".into(),
                password: Some(PASSWORD.into()),
                owner: w.account.clone(),
                role: Role::Billing,
                read_only: false,
            },
        )
        .await
        .unwrap();
    let mut c = w.console_as(&billing.sid).await;
    snap!("billing_user_list", c);
    c.keys("n").await;
    snap!("billing_user_cannot_create", c);
}

#[tokio::test]
async fn a_developer_is_told_at_the_scopes_field_that_an_app_may_not_assign_roles_for_them() {
    let w = world().await;
    let (developer, _) = w
        .service
        .add_user(
            &w.admin,
            NewUser {
                username: "dev".into(),
                password: Some(PASSWORD.into()),
                owner: w.organization.clone(),
                role: Role::Developer,
                read_only: false,
            },
        )
        .await
        .unwrap();
    let mut c = w.console_as(&developer.sid).await;
    c.keys("n Tab").await;
    c.type_text("Helper").await;
    c.keys("Ctrl-s").await;
    c.type_text("managed-users/create").await;
    c.keys("Down Space Ctrl-s").await;
    let frame = c.frame();
    assert!(
        frame.contains("scope 'managed-users/create' manages people"),
        "{frame}"
    );
    assert!(frame.contains("are Developer)"), "{frame}");
    let all = ListApps {
        page_size: 1000,
        ..ListApps::default()
    };
    let apps = w
        .service
        .apps(&w.admin, &w.organization, all)
        .await
        .unwrap();
    assert!(apps.items.is_empty(), "nothing was created");
}

#[tokio::test]
async fn the_owner_switcher_lists_owners_with_roles() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("o").await;
    snap!("owner_switcher", c);
    c.keys("Down Enter").await;
    assert!(c.frame().contains("Staging subaccount"));
}

#[tokio::test]
async fn audit_events_show_newest_first_with_details_and_filters() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    w.app("Reports").await;
    w.clock.advance(Seconds::MINUTE);
    w.service
        .update_app(
            &w.admin,
            &app.sid,
            AppUpdate {
                description: Some("Now hourly".into()),
                ..AppUpdate::default()
            },
        )
        .await
        .unwrap();
    w.clock.advance(Seconds::MINUTE);
    w.service
        .rotate_secret(&w.admin, &app.sid, Seconds(0))
        .await
        .unwrap();
    let mut c = w.console().await;
    c.keys("a").await;
    snap!("audit_all", c);
    c.keys("Down").await;
    snap!("audit_update_details", c);
    c.keys("t t t t").await;
    snap!("audit_only_rotations", c);
    // On past the authorization types and ended grace periods, back to all types.
    c.keys("t t t t f").await;
    snap!("audit_one_app", c);
    c.keys("Esc").await;
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
}

#[tokio::test]
async fn question_mark_shows_the_keys_and_any_key_closes_it() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("?").await;
    snap!("help_overlay", c);
    c.keys("x").await;
    assert!(!c.ui.state().help);
}

#[tokio::test]
async fn q_quits_at_once_without_input_and_asks_with_it() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Unsaved").await;
    c.keys("Tab Tab q").await;
    snap!("quit_asks", c);
    c.keys("n").await;
    assert!(!c.ui.state().quit);
    c.keys("q y").await;
    assert!(c.ui.state().quit);

    let mut fresh = w.console().await;
    fresh.keys("q").await;
    assert!(fresh.ui.state().quit);
}

#[tokio::test]
async fn mouse_clicks_select_rows_open_them_switch_tabs_and_press_buttons() {
    let w = world().await;
    w.app("Billing sync").await;
    w.app("Reports").await;
    let mut c = w.console().await;
    // The second row of the table (frame row 5), clicked twice: select, then open.
    c.ui.click(10, 5).await;
    c.ui.click(10, 5).await;
    assert!(c.frame().contains("Billing sync"));
    // The Credentials tab title.
    let frame = c.frame();
    let tabs_row = frame
        .lines()
        .position(|l| l.contains("Credentials"))
        .unwrap();
    let column = frame
        .lines()
        .nth(tabs_row)
        .unwrap()
        .find("Credentials")
        .unwrap();
    let column = frame.lines().nth(tabs_row).unwrap()[..column]
        .chars()
        .count();
    c.ui.click(column as u16, tabs_row as u16).await;
    snap!("mouse_credentials_tab", c);
    // "[ Rotate secret ]" on the button row.
    let frame = c.frame();
    let row = frame
        .lines()
        .position(|l| l.contains("[ Rotate secret ]"))
        .unwrap();
    c.ui.click(3, row as u16).await;
    assert!(c.ui.state().dialog_title().as_deref() == Some("Rotate secret"));
    let frame = c.frame();
    let row = frame
        .lines()
        .position(|l| l.contains("[ Cancel ]"))
        .unwrap();
    let line = frame.lines().nth(row).unwrap();
    let column = line[..line.find("[ Cancel ]").unwrap()].chars().count();
    c.ui.click(column as u16 + 2, row as u16).await;
    assert!(c.ui.state().dialog.is_none());
}

#[tokio::test]
async fn a_keys_file_that_rebinds_rotate_changes_the_key_that_works_and_the_one_the_footer_names() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    let keys = KeyMap::from_toml("rotate_secret = \"w\"\n", "keys.toml").unwrap();
    c.ui.set_keys(keys);
    c.keys("Enter 3").await;
    let footer = c.frame().lines().last().unwrap_or_default().to_owned();
    assert!(footer.contains("w rotate secret"), "{footer}");
    assert!(!footer.contains("r rotate secret"), "{footer}");
    assert!(c.frame().contains("Lost it? Rotate the secret (w)."));
    c.keys("r").await;
    assert!(c.ui.state().dialog.is_none(), "r no longer rotates");
    assert!(
        c.status().contains("'r' does nothing here"),
        "{}",
        c.status()
    );
    c.keys("w").await;
    assert!(
        c.frame()
            .contains("Rotate the client secret of \"Billing sync\"?")
    );
}

#[tokio::test]
async fn the_console_follows_the_terminals_size() {
    let w = world().await;
    for n in 0..30 {
        w.app(&format!("app {n:02}")).await;
    }
    let mut c = w.console().await;
    c.ui.resize(80, 24).await;
    snap!("small_terminal", c);
}

#[tokio::test]
async fn no_input_however_odd_panics_it() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    let keys = [
        "Enter",
        "Tab",
        "BackTab",
        "Esc",
        "Up",
        "Down",
        "Left",
        "Right",
        "Space",
        "Backspace",
        "Delete",
        "Home",
        "End",
        "PageUp",
        "PageDown",
        "F1",
        "F5",
        "Ctrl-s",
        "Ctrl-u",
        "Alt-x",
        "e",
        "r",
        "d",
        "n",
        "a",
        "t",
        "f",
        "s",
        "g",
        "c",
        "o",
        "/",
        "?",
        "1",
        "4",
        "R",
        "G",
        "€",
        "界",
    ];
    for size in [(110, 30), (20, 8), (1, 1), (200, 3), (40, 60)] {
        c.ui.resize(size.0, size.1).await;
        for (i, first) in keys.iter().enumerate() {
            for second in keys.iter().skip(i % 7).step_by(7) {
                c.keys(first).await;
                c.keys(second).await;
                c.ui.click((i * 7 % 120) as u16, (i * 3 % 40) as u16).await;
                c.ui.draw();
                if c.ui.state().quit {
                    return;
                }
            }
        }
    }
    c.ui.send(oauth_console::tui::effect::Msg::Paste("x".repeat(10_000)))
        .await;
    c.ui.draw();
}

/// The authorization server over the world's store, on 127.0.0.1:0, as `--serve` runs it.
struct Served {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl World {
    async fn serve(&self) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let auth = AuthorizationServer::start(
            self.service.clone(),
            AuthorizationConfig {
                issuer: base.clone(),
                default_audience: "https://api.twilio.com".into(),
                signing_alg: Some(SigningAlg::ES256),
            },
        )
        .await
        .unwrap();
        // No balancer to wait for: stopped, it stops at once.
        let config = ServerConfig {
            drain_delay: std::time::Duration::ZERO,
            ..ServerConfig::default()
        };
        let state = AppState::new(auth, &config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::serve(listener, state, &config, async {
                stopped.await.ok();
            })
            .await
        });
        Served {
            base,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// An authorization-code app of the organization, approved by `users` in turn (each
    /// authorization a minute after the last) and its codes exchanged, as the consent page and the
    /// app would.
    async fn authorized_app(&self, name: &str, users: &[&Sid]) -> OAuthApp {
        self.clock.advance(Seconds::MINUTE);
        let app = self
            .service
            .create_app(
                &self.admin,
                NewApp {
                    owner: self.organization.clone(),
                    grant_type: GrantType::AuthorizationCode,
                    settings: AppSettings {
                        name: name.into(),
                        scopes: vec!["managed-users/read".into(), "roles/list".into()],
                        redirect_uris: vec![REDIRECT.into()],
                        ..AppSettings::default()
                    },
                    region: None,
                },
            )
            .await
            .unwrap()
            .app;
        for user in users {
            self.clock.advance(Seconds::MINUTE);
            let valid = self
                .service
                .check_authorization_request(AuthorizationRequest {
                    client_id: app.sid.to_string(),
                    redirect_uri: Some(REDIRECT.into()),
                    response_type: "code".into(),
                    scope: Some("managed-users/read".into()),
                    state: Some("xyz".into()),
                    code_challenge: Some(s256_challenge(VERIFIER)),
                    code_challenge_method: Some("S256".into()),
                    nonce: None,
                })
                .await
                .unwrap();
            let code = self
                .service
                .approve(user, self.service.now(), &valid)
                .await
                .unwrap();
            self.service
                .exchange_code(&app, code.expose(), Some(REDIRECT), Some(VERIFIER))
                .await
                .unwrap();
        }
        app
    }

    async fn organization_user(&self, name: &str) -> Sid {
        self.service
            .add_user(
                &self.admin,
                NewUser {
                    username: name.into(),
                    password: Some(PASSWORD.into()),
                    owner: self.organization.clone(),
                    role: Role::Developer,
                    read_only: false,
                },
            )
            .await
            .unwrap()
            .0
            .sid
    }

    async fn active_authorizations(&self, app: Option<&Sid>) -> usize {
        self.service
            .authorized_apps(&self.admin, &self.organization, app, 100, None)
            .await
            .unwrap()
            .items
            .len()
    }
}

impl Served {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

const REDIRECT: &str = "https://partner.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

impl Console {
    /// The frame with what changes from run to run (the server's port, the signing key's id,
    /// the token's id) replaced by names.
    pub(crate) fn stable_frame(&mut self, base: &str) -> String {
        let mut frame = self.frame().replace(base, "http://127.0.0.1:PORT");
        if let Screen::TokenTool(tool) = &self.ui.state().screen
            && let Some(TokenOutcome::Issued(token)) = &tool.outcome
        {
            // Padded to the same width, so that the frame keeps its shape.
            let named = |value: &str, name: &str| format!("{name:<width$}", width = value.len());
            if let Some(kid) = &token.header.kid {
                frame = frame.replace(kid.as_str(), &named(kid, "KID"));
            }
            let jti = token.claims.jti.as_str();
            frame = frame.replace(jti, &named(jti, "JTI"));
        }
        if let Screen::TokenTool(tool) = &self.ui.state().screen
            && let Some(TokenOutcome::Introspected(Introspected::Active(claims))) = &tool.outcome
        {
            let jti = claims.jti.as_str();
            frame = frame.replace(jti, &format!("{:<width$}", "JTI", width = jti.len()));
        }
        frame
    }

    /// Goes to the owner at `index` of the switcher (0 account, 1 subaccount, 2 organization).
    async fn switch_to(&mut self, index: usize) {
        self.keys("o").await;
        for _ in 0..index {
            self.keys("Down").await;
        }
        self.keys("Enter").await;
    }
}

/// Creates an account app through the service and returns it with its secret.
pub(crate) async fn app_with_secret(w: &World, name: &str) -> (OAuthApp, String) {
    w.clock.advance(Seconds::MINUTE);
    let created = w
        .service
        .create_app(
            &w.admin,
            NewApp {
                owner: w.account.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: AppSettings {
                    name: name.into(),
                    scopes: vec![MESSAGES_READ.into()],
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap();
    (created.app, created.secret.expose().to_owned())
}

#[tokio::test]
async fn the_token_tool_shows_the_decoded_claims_and_counts_down() {
    let w = world().await;
    let (app, secret) = app_with_secret(&w, "Billing sync").await;
    let served = w.serve().await;
    let mut c = w.console_served(&w.admin, &served).await;
    c.ui.show_serving(served.base.clone());
    c.keys("Enter T").await;
    snap!("token_tool_from_app", frame: c.stable_frame(&served.base));
    assert!(
        c.frame().contains(app.sid.as_str()),
        "the client ID is filled in"
    );
    c.type_text(&secret).await;
    assert!(
        !c.frame().contains(&secret),
        "the secret is masked as it is typed"
    );
    c.keys("Enter").await;
    snap!("token_tool_issued", frame: c.stable_frame(&served.base));
    assert!(c.status().contains("expires in 1h 0m 0s"), "{}", c.status());
    w.clock.advance(Seconds(90));
    c.ui.tick().await;
    assert!(c.frame().contains("58m 30s"), "the time left counts down");
    w.clock.advance(Seconds::HOUR);
    c.ui.tick().await;
    assert!(c.frame().contains("expired 1m 30s ago"));
    c.keys("Esc").await;
    assert!(
        c.frame().contains("[Credentials]"),
        "Esc goes back to the app"
    );
    served.stop().await;
}

#[tokio::test]
async fn the_token_tool_shows_the_servers_refusal_of_a_wrong_secret() {
    let w = world().await;
    let (app, _) = app_with_secret(&w, "Billing sync").await;
    let served = w.serve().await;
    let mut c = w.console_served(&w.admin, &served).await;
    c.keys("T").await;
    assert!(
        c.frame().contains(app.sid.as_str()),
        "the selected app's client ID is filled in"
    );
    c.type_text("not-the-secret").await;
    c.keys("Enter").await;
    snap!("token_tool_refused", frame: c.stable_frame(&served.base));
    assert!(c.status().starts_with("The server refused: invalid_client"));
    served.stop().await;
}

#[tokio::test]
async fn the_token_tool_asks_for_what_is_missing_before_sending() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("T Enter").await;
    assert!(c.frame().contains("type the app's client ID"));
    c.type_text("OQ123").await;
    c.keys("Enter").await;
    assert!(c.frame().contains("type the client secret"));
}

#[tokio::test]
async fn authorized_applications_list_the_organizations_approvals() {
    let w = world().await;
    let dana = w.organization_user("dana").await;
    w.authorized_app("Partner portal", &[&w.admin, &dana]).await;
    w.authorized_app("Support desk", &[&dana]).await;
    let mut c = w.console().await;
    c.keys("A").await;
    assert!(
        c.status().contains("belong to organizations"),
        "from an account, A says where they are"
    );
    c.switch_to(2).await;
    c.keys("A").await;
    snap!("authorized_apps", c);
    c.keys("Down x").await;
    snap!("authorized_revoke_confirm", c);
    assert_eq!(w.active_authorizations(None).await, 3, "nothing yet");
    c.keys("y").await;
    snap!("authorized_revoked", c);
    assert_eq!(w.active_authorizations(None).await, 2);
    c.keys("x Esc").await;
    assert_eq!(
        w.active_authorizations(None).await,
        2,
        "Esc revokes nothing"
    );
}

#[tokio::test]
async fn an_app_nobody_has_authorized_offers_no_revoke_on_its_authorized_tab() {
    let w = world().await;
    w.authorized_app("Partner portal", &[]).await;
    let mut c = w.console().await;
    c.switch_to(2).await;
    c.keys("Enter 4").await;
    snap!("detail_authorized_tab_empty", c);
    let frame = c.frame();
    assert!(frame.contains("No one has authorized"), "{frame}");
    assert!(
        !frame.to_lowercase().contains("revoke"),
        "no button, no hint: {frame}"
    );
}

#[tokio::test]
async fn an_authorization_code_app_has_an_authorized_applications_tab() {
    let w = world().await;
    let dana = w.organization_user("dana").await;
    let app = w.authorized_app("Partner portal", &[&w.admin, &dana]).await;
    w.authorized_app("Support desk", &[&dana]).await;
    let mut c = w.console().await;
    c.switch_to(2).await;
    // Newest first: Support desk, then Partner portal.
    c.keys("Down Enter 4").await;
    snap!("detail_authorized_tab", c);
    c.keys("x y").await;
    assert_eq!(w.active_authorizations(Some(&app.sid)).await, 1);
    assert!(
        c.status()
            .starts_with("Revoked the access dana gave to Partner portal")
    );
    match &c.ui.state().screen {
        Screen::Detail(detail) => {
            let left: Vec<&str> = detail
                .authorized
                .rows
                .items
                .iter()
                .map(|a| a.user.username.as_str())
                .collect();
            assert_eq!(left, ["admin"], "the revoked one leaves the tab");
        }
        _ => panic!("not on the app"),
    }
}

#[tokio::test]
async fn clicking_revoke_on_an_apps_authorized_tab_asks_to_revoke_the_selected_authorization() {
    let w = world().await;
    let dana = w.organization_user("dana").await;
    let app = w.authorized_app("Partner portal", &[&w.admin, &dana]).await;
    let mut c = w.console().await;
    c.switch_to(2).await;
    c.keys("Enter 4").await;
    let frame = c.frame();
    let (row, line) = frame
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("[ Revoke ]"))
        .expect("the tab has a Revoke button");
    let column = line[..line.find("[ Revoke ]").unwrap()].chars().count();
    c.ui.click(column as u16 + 2, row as u16).await;
    assert!(
        c.frame().contains("Revoke access?"),
        "the click asks before revoking:\n{}",
        c.frame()
    );
    c.keys("y").await;
    assert_eq!(w.active_authorizations(Some(&app.sid)).await, 1);
    assert!(
        c.status()
            .starts_with("Revoked the access dana gave to Partner portal"),
        "{}",
        c.status()
    );
}

#[tokio::test]
async fn clicking_end_grace_now_asks_first_then_ends_the_older_secret() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    let rotated = w
        .service
        .rotate_secret(&w.admin, &app.sid, Seconds::DAY)
        .await
        .unwrap();
    let mut c = w.console().await;
    c.keys("Enter Tab Tab").await;
    let frame = c.frame();
    let (row, line) = frame
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("[ End grace now ]"))
        .expect("the Credentials tab has an End grace now button with two secrets");
    let column = line[..line.find("[ End grace now ]").unwrap()]
        .chars()
        .count();
    c.ui.click(column as u16 + 2, row as u16).await;
    assert!(
        c.frame().contains("End grace now?"),
        "the click asks before ending the grace period:\n{}",
        c.frame()
    );
    c.keys("y").await;
    let now = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(now.secrets, rotated.app.secrets[1..]);
    assert!(
        c.status()
            .starts_with("Ended the grace period of Billing sync"),
        "{}",
        c.status()
    );
    assert!(!c.frame().contains("[ End grace now ]"), "{}", c.frame());
}

/// Where the export and import scenarios write, relative to the directory tests run in.
const APPS_FILE: &str = "target/console-scenario-apps.yaml";

impl Console {
    /// Replaces the file dialog's default name with [`APPS_FILE`] and presses Enter.
    async fn choose_apps_file(&mut self) {
        let default = oauth_console::tui::screens::dialogs::DEFAULT_APPS_FILE;
        for _ in 0..default.chars().count() {
            self.keys("Backspace").await;
        }
        self.type_text(APPS_FILE).await;
        self.keys("Enter").await;
    }
}

#[tokio::test]
async fn x_exports_the_owners_apps_to_a_file_and_says_where() {
    let _file = crate::CONSOLE_APPS_FILE.lock().await;
    let w = world().await;
    let billing = w.app("Billing sync").await;
    w.app("Reports").await;
    let mut c = w.console().await;
    c.keys("x").await;
    snap!("export_dialog", c);
    c.choose_apps_file().await;
    snap!("export_done", c);
    let written = std::fs::read_to_string(APPS_FILE).unwrap();
    assert!(written.starts_with("version: 1\nowners:\n"), "{written}");
    assert!(written.contains(&format!(
        "{}:\n        friendly_name: Billing sync",
        billing.sid
    )));
    assert!(written.contains("friendly_name: Reports"));
    assert!(!written.contains("secret"), "{written}");
}

#[tokio::test]
async fn i_shows_an_imports_plan_to_confirm_then_each_new_secret_once() {
    let _file = crate::CONSOLE_APPS_FILE.lock().await;
    let w = world().await;
    let billing = w.app("Billing sync").await;
    let new_id = format!("OQ{}", "0123456789abcdef".repeat(2));
    std::fs::write(
        APPS_FILE,
        format!(
            "version: 1
owners:
  {account}:
    apps:
      {billing}:
        friendly_name: Billing sync
        description: Syncs invoices every night
        grant_type: client-credentials
        scopes: ['{MESSAGES_READ}']
      {new_id}:
        friendly_name: Nightly export
        grant_type: client-credentials
        scopes: ['{MESSAGES_READ}']
",
            account = w.account,
            billing = billing.sid,
        ),
    )
    .unwrap();
    let mut c = w.console().await;
    c.keys("i").await;
    snap!("import_dialog", c);
    c.choose_apps_file().await;
    snap!("import_plan", c);
    assert_eq!(
        w.app_names().await,
        ["Billing sync"],
        "nothing imported yet"
    );
    c.keys("y").await;
    snap!("import_new_secret", c);
    let secret = c.shown_secret();
    assert!(
        w.service
            .authenticate_client(&new_id, &secret)
            .await
            .is_ok(),
        "the secret shown works"
    );
    c.keys("g Enter").await;
    snap!("import_done_list", c);
    let updated = w.service.app(&w.admin, &billing.sid).await.unwrap();
    assert_eq!(updated.settings.description, "Syncs invoices every night");
    // The same file again: nothing to change, and nothing to confirm.
    c.keys("i").await;
    c.choose_apps_file().await;
    assert!(c.ui.state().dialog.is_none());
    assert_eq!(
        c.status(),
        format!("Nothing to import: the apps already match {APPS_FILE} (2 apps unchanged)")
    );
}

#[tokio::test]
async fn a_bad_import_file_says_which_entry_breaks_which_limit_and_imports_nothing() {
    let _file = crate::CONSOLE_APPS_FILE.lock().await;
    let w = world().await;
    let billing = w.app("Billing sync").await;
    std::fs::write(
        APPS_FILE,
        format!(
            "version: 1\nowners:\n  {}:\n    apps:\n      {}:\n        friendly_name: '{}'\n        grant_type: client-credentials\n        scopes: ['{MESSAGES_READ}']\n",
            w.account,
            billing.sid,
            "x".repeat(65)
        ),
    )
    .unwrap();
    let mut c = w.console().await;
    c.keys("i").await;
    c.choose_apps_file().await;
    snap!("import_refused", c);
    assert_eq!(w.app_names().await, ["Billing sync"]);
}

/// The create wizard's first step's focus, for the scenarios about its keys.
fn wizard_details_focus(c: &Console) -> oauth_console::tui::screens::forms::DetailsFocus {
    match &c.ui.state().screen {
        Screen::Wizard(wizard) => wizard.details.focus,
        _ => panic!("not in the create wizard"),
    }
}

#[tokio::test]
async fn enter_on_the_wizards_last_field_goes_on_to_next_and_arrows_move_between_its_buttons() {
    use oauth_console::tui::screens::forms::DetailsFocus;
    use oauth_console::tui::screens::wizard::Step;
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Billing sync").await;
    c.keys("Enter").await;
    c.type_text("Nightly export of usage records").await;
    c.keys("Enter").await;
    snap!("wizard_enter_on_the_last_field_focuses_next", c);
    assert_eq!(wizard_details_focus(&c), DetailsFocus::Submit);
    c.keys("Left").await;
    assert_eq!(wizard_details_focus(&c), DetailsFocus::Cancel);
    c.keys("Right").await;
    assert_eq!(wizard_details_focus(&c), DetailsFocus::Submit);
    c.keys("Enter").await;
    let Screen::Wizard(wizard) = &c.ui.state().screen else {
        panic!("the wizard closed");
    };
    assert!(matches!(wizard.step, Step::Scopes), "Next goes on");
}

#[tokio::test]
async fn enter_twice_on_the_credentials_tab_leaves_the_secret_until_the_rotate_button_is_pressed() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    let mut c = w.console().await;
    // Enter opens the app, 3 its Credentials tab, Enter the Rotate dialog; the second Enter
    // goes from the grace period to the button rather than rotating unseen.
    c.keys("Enter 3 Enter Enter").await;
    snap!("rotate_dialog_enter_goes_to_the_button", c);
    assert_eq!(
        c.ui.state().dialog_title().as_deref(),
        Some("Rotate secret")
    );
    let unchanged = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(unchanged.secrets.len(), 1, "nothing rotated yet");
    c.keys("Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::RotatedSecret(_)));
    let rotated = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(rotated.secrets.len(), 2, "the button rotates");
}

#[tokio::test]
async fn the_credentials_tab_cuts_the_authorization_url_with_an_ellipsis_and_copies_it_whole() {
    let w = world().await;
    let app = w.authorized_app("Partner portal", &[]).await;
    let url = app.authorization_url(ISSUER).unwrap();
    let mut c = w.console().await;
    c.keys("o End Enter Enter 3").await;
    snap!("credentials_authorization_url_cut_and_copyable", c);
    let frame = c.frame();
    let shown = frame
        .lines()
        .find(|line| line.contains("Authorization URL"))
        .unwrap();
    assert!(shown.contains("http://localhost:8080/v2/authorize?client_id="));
    assert!(shown.contains("… [ Copy ]"), "{shown}");
    assert!(
        frame.lines().last().unwrap().contains("u copy URL"),
        "{frame}"
    );
    c.keys("u").await;
    assert_eq!(c.clipboard.copied(), vec![url.clone()]);
    assert_eq!(
        c.status(),
        "Copied the authorization URL to the replay clipboard"
    );
    // The Copy button at the end of the URL's line copies it too.
    let row = frame
        .lines()
        .position(|line| line.contains("Authorization URL"))
        .unwrap();
    let column = shown.find("[ Copy ]").unwrap() + 2;
    let column = shown[..column].chars().count();
    c.ui.click(column as u16, row as u16).await;
    assert_eq!(c.clipboard.copied(), vec![url.clone(), url]);
}

#[tokio::test]
async fn an_authorization_code_apps_copy_secret_page_shows_the_code_exchange_not_client_credentials()
 {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("o End Enter n Right Tab").await;
    c.type_text("Partner portal").await;
    c.keys("Tab Tab Tab Tab Tab Tab").await;
    c.type_text(REDIRECT).await;
    c.keys("Ctrl-s Tab").await;
    c.type_text("managed-users/read").await;
    c.keys("Tab Down Space Ctrl-s").await;
    snap!("org_copy_secret_shows_the_code_exchange", c);
    let frame = c.frame();
    assert!(
        frame.contains("POST /v2/token, grant_type=authorization_code"),
        "{frame}"
    );
    assert!(!frame.contains("client_credentials"), "{frame}");
}

#[tokio::test]
async fn esc_clears_an_applied_apps_filter() {
    let w = world().await;
    for name in ["Billing sync", "Reports", "Billing export"] {
        w.app(name).await;
    }
    let mut c = w.console().await;
    c.keys("/").await;
    c.type_text("bill").await;
    c.keys("Enter").await;
    snap!("list_filter_applied", c);
    assert!(!c.frame().contains("Reports"));
    c.keys("Esc").await;
    snap!("list_filter_cleared_by_esc", c);
    let Screen::Apps(list) = &c.ui.state().screen else {
        panic!("not on the apps list");
    };
    assert_eq!(list.filter.value(), "");
    assert_eq!(list.apps.len(), 3);
}

#[tokio::test]
async fn a_slash_in_the_token_expiration_is_text_and_only_the_scopes_list_promises_search_on_it() {
    use oauth_console::tui::screens::scopes::ScopesFocus;
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Billing sync").await;
    c.keys("Ctrl-s /").await;
    snap!("wizard_token_expiration_takes_a_slash_as_text", c);
    let Screen::Wizard(wizard) = &c.ui.state().screen else {
        panic!("the wizard closed");
    };
    assert_eq!(wizard.scopes.focus, ScopesFocus::TokenTtl);
    assert_eq!(wizard.scopes.ttl.as_ref().unwrap().value(), "1h/");
    assert!(!c.frame().contains("/ searches"), "{}", c.frame());
    // In the list, / goes to the search, as the line under it says there.
    c.keys("Tab Tab").await;
    assert!(c.frame().contains("/ searches"));
    c.keys("/").await;
    let Screen::Wizard(wizard) = &c.ui.state().screen else {
        panic!("the wizard closed");
    };
    assert_eq!(wizard.scopes.focus, ScopesFocus::Search);
}

/// `count` account apps made straight in the service, a minute apart.
async fn many_apps(w: &World, count: usize) {
    for n in 0..count {
        w.app(&format!("app {n:03}")).await;
    }
}

#[tokio::test]
async fn keys_pressed_faster_than_a_page_loads_are_kept_not_dropped() {
    let w = world().await;
    many_apps(&w, 500).await;
    let mut c = w.console().await;
    let down = parse_key("j").unwrap();
    c.ui.keys_at_once(&[down; 450]).await;
    let Screen::Apps(list) = &c.ui.state().screen else {
        panic!("not on the apps list");
    };
    assert_eq!(list.selected, 450, "450 j from the first row");
    assert_eq!(list.selected_app().unwrap().settings.name, "app 049");
    snap!("list_450_down_keys_at_once", c);
}

#[tokio::test]
async fn end_and_g_reach_the_true_last_row_reading_every_page_on_the_way() {
    let w = world().await;
    many_apps(&w, 500).await;
    let mut c = w.console().await;
    c.keys("End").await;
    snap!("list_end_reads_to_the_last_app", c);
    let Screen::Apps(list) = &c.ui.state().screen else {
        panic!("not on the apps list");
    };
    assert_eq!(list.apps.len(), 500);
    assert_eq!(list.selected, 499);
    assert_eq!(list.selected_app().unwrap().settings.name, "app 000");
    assert!(list.next.is_none());
    // The audit events read a page at a time as well: G reaches the first event ever made.
    c.keys("a G").await;
    let Screen::Audit(log) = &c.ui.state().screen else {
        panic!("not on the audit events");
    };
    assert!(log.events.next.is_none(), "every page read");
    assert_eq!(log.events.selected, log.events.items.len() - 1);
    assert!(log.events.items.len() >= 500);
    assert!(c.frame().contains("app 000"), "{}", c.frame());
}

#[tokio::test]
async fn paste_goes_in_at_the_cursor_in_every_field_the_access_settings_editor_too() {
    use oauth_console::tui::effect::Msg;
    let w = world().await;
    let app = w.app("Billing sync").await;
    let mut c = w.console().await;
    // Access settings: the token expiration takes what is pasted.
    c.keys("Enter 2 e Ctrl-u").await;
    c.ui.send(Msg::Paste("15m".into())).await;
    snap!("access_settings_pasted_token_expiration", c);
    c.keys("Ctrl-s").await;
    let saved = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(saved.settings.token_ttl, Seconds(15 * 60));
    // The wizard's name: pasted where the cursor is, not at the end.
    c.keys("Esc n").await;
    c.type_text("Billing sync").await;
    c.keys("Home").await;
    c.ui.send(Msg::Paste("Nightly ".into())).await;
    c.type_text("(EU) ").await;
    let Screen::Wizard(wizard) = &c.ui.state().screen else {
        panic!("not in the wizard");
    };
    assert_eq!(wizard.details.name.value(), "Nightly (EU) Billing sync");
}

#[tokio::test]
async fn wide_characters_stay_inside_their_text_field_which_scrolls_by_cells() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    // 40 characters of two cells each: 80 cells in a field 60 wide.
    let name = "東京都庁".repeat(10);
    c.type_text(&name).await;
    snap!("wizard_wide_name_scrolled_to_the_cursor", c);
    c.keys("Home").await;
    snap!("wizard_wide_name_from_its_start", c);
    let frame = c.frame();
    let line = frame
        .lines()
        .find(|line| line.contains("Application name"))
        .unwrap();
    let start = "東京都庁".repeat(7) + "東京";
    assert!(line.contains(&format!("[{start}] 40/64 ")), "{line}");
    c.type_text("😀").await;
    let frame = c.frame();
    let line = frame
        .lines()
        .find(|line| line.contains("Application name"))
        .unwrap();
    let start = "😀".to_owned() + &"東京都庁".repeat(7) + "東";
    assert!(line.contains(&format!("[{start}] 41/64 ")), "{line}");
}

impl World {
    /// The console as `oauth-console --read-only` opens it: locally over a service handle that
    /// reads only, over a server through a backend that refuses changes before sending them.
    async fn read_only_console(&self) -> Console {
        let (backend, server): (Arc<dyn Backend>, _) = if over_a_server() {
            let (backend, server) = self.remote_backend(&self.admin).await;
            (Arc::new(backend.reading_only()), Some(server))
        } else {
            let local = LocalBackend::new(self.service.clone(), self.admin.clone(), ISSUER.into());
            (Arc::new(local.reading_only()), None)
        };
        let clipboard = Arc::new(MemoryClipboard::default());
        let ui = Headless::start(backend, clipboard.clone(), WIDTH, HEIGHT)
            .await
            .unwrap();
        Console {
            ui,
            clipboard,
            _server: server,
        }
    }

    /// A Developer of the account whom an administrator marked read-only.
    async fn read_only_user(&self) -> Sid {
        self.service
            .add_user(
                &self.admin,
                NewUser {
                    username: "auditor".into(),
                    password: Some(PASSWORD.into()),
                    owner: self.account.clone(),
                    role: Role::Developer,
                    read_only: true,
                },
            )
            .await
            .unwrap()
            .0
            .sid
    }
}

/// The labels of the changes, none of which a read-only console may show.
const CHANGE_LABELS: [&str; 9] = [
    "new app",
    "delete",
    "import",
    "edit",
    "rotate secret",
    "end grace",
    "Rotate secret",
    "End grace now",
    "Delete app",
];

#[track_caller]
fn assert_no_change_offered(frame: &str) {
    for label in CHANGE_LABELS {
        assert!(!frame.contains(label), "{label:?} is offered:\n{frame}");
    }
    assert!(frame.contains("READ-ONLY"), "{frame}");
}

#[tokio::test]
async fn read_only_says_so_in_the_header_and_offers_no_change_in_the_footer_help_or_buttons() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    w.service
        .rotate_secret(&w.admin, &app.sid, Seconds::DAY)
        .await
        .unwrap();
    let mut c = w.read_only_console().await;
    snap!("read_only_list", c);
    assert_no_change_offered(&c.frame());
    assert!(c.frame().contains("x export"), "{}", c.frame());
    c.keys("?").await;
    snap!("read_only_help", c);
    assert_no_change_offered(&c.frame());
    c.keys("Esc Enter Tab Tab").await;
    snap!("read_only_credentials", c);
    assert_no_change_offered(&c.frame());
    assert!(c.frame().contains("[ Copy client ID ]"), "{}", c.frame());
}

#[tokio::test]
async fn read_only_keys_of_changes_do_nothing_but_say_read_only() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    let mut c = w.read_only_console().await;
    c.keys("n").await;
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
    assert_eq!(
        c.status(),
        "Read-only: 'n' (new app) is off, as no change can be made here"
    );
    c.keys("d").await;
    assert!(c.ui.state().dialog.is_none(), "d opened a dialog");
    c.keys("i").await;
    assert!(c.ui.state().dialog.is_none(), "i opened a dialog");
    c.keys("Enter Tab Tab r").await;
    snap!("read_only_rotate_pressed", c);
    assert!(c.ui.state().dialog.is_none(), "r opened a dialog");
    assert_eq!(
        c.status(),
        "Read-only: 'r' (rotate secret) is off, as no change can be made here"
    );
    c.keys("e E").await;
    assert!(c.ui.state().dialog.is_none());
    let now = w.service.app(&w.admin, &app.sid).await.unwrap();
    assert_eq!(now, app, "a read-only console changed the app");
}

#[tokio::test]
async fn a_read_only_user_sees_read_only_and_no_change_locally_and_over_a_server() {
    let w = world().await;
    w.app("Billing sync").await;
    let auditor = w.read_only_user().await;
    let mut c = w.console_as(&auditor).await;
    snap!("read_only_user_list", c);
    assert_no_change_offered(&c.frame());
    assert!(c.frame().contains("auditor · Developer"), "{}", c.frame());
    c.keys("Enter Tab Tab").await;
    assert_no_change_offered(&c.frame());
}

/// Every SID (a client ID is an app's SID) shown whole in `frame`.
fn whole_sids(frame: &str) -> Vec<String> {
    let chars: Vec<char> = frame.chars().collect();
    let mut found = Vec::new();
    for start in 0..chars.len().saturating_sub(33) {
        let candidate: String = chars[start..start + 34].iter().collect();
        if candidate.parse::<Sid>().is_ok() {
            found.push(candidate);
        }
    }
    found
}

#[tokio::test]
async fn presenting_masks_every_sid_and_the_secret_on_screen_and_copy_still_copies_the_secret() {
    let w = world().await;
    let app = w.app("Billing sync").await;
    let mut c = w.console().await;
    c.ui.present();
    snap!("present_list", c);
    let frame = c.frame();
    assert!(whole_sids(&frame).is_empty(), "{frame}");
    assert!(!frame.contains(app.sid.as_str()), "{frame}");
    let sid = app.sid.as_str();
    let masked = format!("{}{}{}", &sid[..4], "·".repeat(26), &sid[30..]);
    assert!(frame.contains(&masked), "{frame}");
    c.keys("Enter").await;
    assert!(whole_sids(&c.frame()).is_empty(), "{}", c.frame());
    c.keys("Esc n").await;
    c.type_text("Demo app").await;
    c.keys("Ctrl-s Tab Tab Enter Down Space Ctrl-s").await;
    snap!("present_copy_secret", c);
    let secret = c.shown_secret();
    let frame = c.frame();
    assert!(!frame.contains(&secret), "{frame}");
    assert!(!frame.contains(&secret[..12]), "{frame}");
    assert!(whole_sids(&frame).is_empty(), "{frame}");
    c.keys("Enter").await;
    assert_eq!(c.clipboard.copied(), vec![secret]);
}

/// The header's line of a frame: the breadcrumb is on it.
fn header_of(frame: &str) -> &str {
    frame.lines().next().unwrap_or_default()
}

#[tokio::test]
async fn the_command_line_goes_to_audit_authorized_and_apps_completing_what_is_typed() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys(":").await;
    c.type_text("au").await;
    c.keys("Tab").await;
    // Two commands start so: the line keeps what they share and the status line names both.
    snap!("command_line_completes", c);
    assert_eq!(c.status(), ":audit  :authorized");
    c.type_text("d").await;
    c.keys("Tab Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::Audit(_)));
    assert!(c.ui.state().command_line.is_none(), "running closes it");
    assert!(header_of(&c.frame()).contains("▾ › Audit events │"));
    c.keys(":").await;
    c.type_text("authorized").await;
    c.keys("Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::Authorized(_)));
    // ↑ brings back the commands run before, newest first.
    c.keys(": Up Up").await;
    assert_eq!(
        c.ui.state().command_line.as_ref().map(|l| l.text()),
        Some("audit")
    );
    c.keys("Esc").await;
    assert!(c.ui.state().command_line.is_none());
    c.keys(":").await;
    c.type_text("apps").await;
    c.keys("Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
    snap!("command_line_apps", c);
}

#[tokio::test]
async fn the_command_line_switches_owner_by_a_completed_name() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys(":").await;
    c.type_text("ow").await;
    c.keys("Tab").await;
    c.type_text("m").await;
    c.keys("Tab").await;
    assert_eq!(
        c.ui.state().command_line.as_ref().map(|l| l.text()),
        Some("owner M"),
        "two owners' names start with m"
    );
    assert_eq!(c.status(), "Main account · My organization");
    c.type_text("y").await;
    c.keys("Tab").await;
    snap!("command_line_owner_completed", c);
    c.keys("Enter").await;
    assert_eq!(
        c.ui.state().session.owner().map(|o| o.owner.sid.clone()),
        Some(w.organization.clone())
    );
    let header = header_of(&c.frame()).to_owned();
    assert!(header.contains("Organization: My organization"), "{header}");
    // A name that no owner has is refused naming the owners, and the line stays to correct it.
    c.keys(":").await;
    c.type_text("owner Nobody").await;
    c.keys("Enter").await;
    assert_eq!(
        c.status(),
        "No owner named \"Nobody\"; the owners are Main account, Staging subaccount, My organization"
    );
    assert!(c.ui.state().command_line.is_some());
    c.keys("Esc").await;
    // `:owner` alone opens the switcher.
    c.keys(":").await;
    c.type_text("owner").await;
    c.keys("Enter").await;
    assert_eq!(c.ui.state().dialog_title().as_deref(), Some("Switch owner"));
}

#[tokio::test]
async fn an_unknown_command_names_the_known_ones_and_esc_closes_the_line() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys(":").await;
    c.type_text("deploy").await;
    c.keys("Enter").await;
    assert_eq!(
        c.status(),
        "Unknown command :deploy; the commands are :apps, :audit, :authorized, :owner NAME, :q and :help"
    );
    snap!("command_line_unknown", c);
    c.keys("Esc").await;
    assert!(c.ui.state().command_line.is_none());
    assert!(matches!(c.ui.state().screen, Screen::Apps(_)));
    c.keys(":").await;
    c.type_text("apps now").await;
    c.keys("Enter").await;
    assert_eq!(c.status(), ":apps takes nothing after it");
    c.keys("Esc : x Tab").await;
    assert!(c.status().starts_with("No command starts with \"x\""));
    c.keys("Esc").await;
    c.keys(":").await;
    c.type_text("help").await;
    c.keys("Enter").await;
    assert!(c.ui.state().help);
}

#[tokio::test]
async fn colon_q_quits_at_once_without_input_and_asks_with_it_and_a_colon_typed_in_a_field_is_text()
{
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Sync: nightly").await;
    assert!(
        c.ui.state().command_line.is_none(),
        "a : typed in a field is a letter"
    );
    assert!(c.frame().contains("Sync: nightly"));
    c.keys("Tab Tab :").await;
    c.type_text("q").await;
    c.keys("Enter").await;
    assert_eq!(c.ui.state().dialog_title().as_deref(), Some("Quit?"));
    assert!(!c.ui.state().quit);
    c.keys("n").await;
    // Leaving the form for another screen would lose it as well.
    c.keys(":").await;
    c.type_text("audit").await;
    c.keys("Enter").await;
    assert!(matches!(c.ui.state().screen, Screen::Wizard(_)));
    assert_eq!(
        c.status(),
        "Finish or cancel the form first; leaving it would lose what was typed"
    );

    let mut fresh = w.console().await;
    fresh.keys(":").await;
    fresh.type_text("q").await;
    fresh.keys("Enter").await;
    assert!(fresh.ui.state().quit);
}

#[tokio::test]
async fn the_header_shows_owner_app_and_tab_and_shortens_them_to_fit_80_columns() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter 3").await;
    let header = header_of(&c.frame()).to_owned();
    assert!(
        header.contains("Account: Main account ▾ › Billing sync › Credentials │ admin · Owner"),
        "{header}"
    );
    snap!("breadcrumb_credentials", c);
    c.ui.resize(80, 24).await;
    let frame = c.frame();
    let header = header_of(&frame);
    assert_eq!(
        header,
        " oauth-console │ Account: Main account ▾ › Billin… › Credentials │ admin · Owner"
    );
    assert!(header.chars().count() <= 80);
    // The longest tab's title stays whole; the owner's kind goes before it is cut.
    c.keys("1").await;
    let frame = c.frame();
    assert_eq!(
        header_of(&frame),
        " oauth-console │ Main account ▾ › Billing… › Application details │ admin · Owner"
    );
    assert!(
        frame.lines().nth(1).unwrap_or_default().starts_with('┌'),
        "the header is one line"
    );
}

#[tokio::test]
async fn the_light_theme_draws_no_grey_hints_and_no_bold_yellow_focus() {
    use oauth_console::tui::state::Theme;
    use ratatui::style::{Color, Modifier};

    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Light").await;
    let grey = |color: Color| matches!(color, Color::DarkGray | Color::Indexed(8));
    let styles = |c: &mut Console| -> Vec<(String, ratatui::style::Style)> {
        c.ui.buffer()
            .content
            .iter()
            .map(|cell| (cell.symbol().to_owned(), cell.style()))
            .collect()
    };
    // The default theme has both, which is why the light one exists.
    c.ui.set_theme(Theme::Default);
    let default = styles(&mut c);
    assert!(default.iter().any(|(_, style)| style.fg.is_some_and(grey)));
    assert!(default.iter().any(|(_, style)| {
        style.fg == Some(Color::Yellow) && style.add_modifier.contains(Modifier::BOLD)
    }));
    for screen in ["wizard", "list", "detail"] {
        match screen {
            "list" => c.keys("Esc y").await,
            "detail" => c.keys("Enter 3").await,
            _ => {}
        }
        c.ui.set_theme(Theme::Light);
        let light = styles(&mut c);
        for (symbol, style) in &light {
            assert!(
                !style.fg.is_some_and(grey) && !style.bg.is_some_and(grey),
                "{screen}: {symbol:?} is grey: {style:?}"
            );
            assert!(
                style.fg != Some(Color::Yellow) && style.bg != Some(Color::Yellow),
                "{screen}: {symbol:?} is yellow: {style:?}"
            );
            assert!(
                style.fg.is_none_or(|fg| fg == Color::Reset)
                    || !style.add_modifier.contains(Modifier::BOLD),
                "{screen}: {symbol:?} is a bold colour, which many terminals brighten: {style:?}"
            );
        }
        // The footer's keys are still told apart from what they do, in a colour of its own.
        let footer = &light[light.len() - usize::from(WIDTH)..];
        assert!(
            footer
                .iter()
                .any(|(symbol, style)| symbol.trim() != "" && style.fg == Some(Color::Blue)),
            "{screen}: the footer's keys are blue"
        );
    }
    // The focus in a form: the label's marker, coloured and underlined rather than bold yellow.
    c.keys("Esc n").await;
    let light = styles(&mut c);
    // Below the header, whose breadcrumb has its own "›".
    let marker = light
        .iter()
        .skip(usize::from(WIDTH))
        .find(|(symbol, _)| symbol == "›")
        .map(|(_, style)| *style)
        .expect("the focused field's marker");
    assert_eq!(marker.fg, Some(Color::Magenta));
    assert!(marker.add_modifier.contains(Modifier::UNDERLINED));
}

/// The last line of the frame: the footer of keys.
fn footer(frame: &str) -> String {
    frame.lines().last().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_footer_keeps_help_quit_and_back_however_many_keys_a_screen_has() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    for (width, height) in [(120, 40), (80, 24)] {
        c.ui.resize(width, height).await;
        c.keys("Enter").await;
        // Each tab of the app, then its audit events' list focused.
        for tab in ["1", "2", "3", "4"] {
            c.keys(tab).await;
            let footer = footer(&c.frame());
            for kept in ["? help", "q quit", "Esc back"] {
                assert!(
                    footer.contains(kept),
                    "{width}×{height}, tab {tab}: the footer lost {kept:?}: {footer}"
                );
            }
        }
        c.keys("Esc").await;
        let footer = footer(&c.frame());
        assert!(
            footer.contains("? help") && footer.contains("q quit"),
            "{footer}"
        );
    }
}

#[tokio::test]
async fn below_80_by_24_the_console_says_the_terminal_is_too_small_and_how_big_it_must_be() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    for (width, height) in [(79, 24), (80, 23), (40, 10)] {
        c.ui.resize(width, height).await;
        let frame = c.frame();
        // Read as words: on a narrow terminal the sentence wraps.
        let said = frame.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            said.contains(&format!("The terminal is {width}×{height}")),
            "{frame}"
        );
        assert!(said.contains("needs at least 80×24"), "{frame}");
        assert!(
            !frame.contains("Billing sync"),
            "no screen is drawn:\n{frame}"
        );
    }
    c.ui.resize(79, 24).await;
    snap!("too_small_terminal", c);
    c.ui.resize(80, 24).await;
    assert!(c.frame().contains("Billing sync"));
}

#[tokio::test]
async fn at_80_by_24_an_apps_name_keeps_its_room_before_the_client_id_and_columns_go() {
    let w = world().await;
    w.app("Nightly invoice export").await;
    let mut c = w.console().await;
    c.ui.resize(80, 24).await;
    let frame = c.frame();
    let row = frame
        .lines()
        .find(|l| l.starts_with("│›"))
        .unwrap_or_default();
    assert!(row.contains("Nightly invoice export"), "{frame}");
    assert!(
        frame.contains("Created (UTC)"),
        "the list is sorted by date created, which stays:\n{frame}"
    );
}

#[tokio::test]
async fn at_80_by_24_the_audit_list_keeps_its_app_and_by_columns() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.ui.resize(80, 24).await;
    c.keys("a").await;
    let frame = c.frame();
    let header = frame
        .lines()
        .find(|l| l.contains("Date") && l.contains("Event"))
        .unwrap_or_default();
    assert!(
        header.contains(" App ") && header.contains(" By"),
        "{frame}"
    );
    let row = frame
        .lines()
        .find(|l| l.contains("oauth-apps.created"))
        .unwrap_or_default();
    assert!(
        row.contains("Billing sync") && row.contains("admin"),
        "{frame}"
    );
    assert!(
        frame.contains("Details"),
        "the event's details are shown too:\n{frame}"
    );
    snap!("audit_80x24", c);
}

#[tokio::test]
async fn at_80_by_24_a_missing_redirect_url_shows_its_field_and_message_inside_the_box() {
    let w = world().await;
    let mut c = w.console().await;
    c.ui.resize(80, 24).await;
    c.keys("o End Enter n Right Tab").await;
    c.type_text("Partner portal").await;
    c.keys("Ctrl-s").await;
    let frame = c.frame();
    let inside: Vec<&str> = frame.lines().take_while(|l| !l.starts_with('└')).collect();
    assert!(
        inside.iter().any(|l| l.contains("Redirect URLs *")),
        "{frame}"
    );
    assert!(
        inside
            .iter()
            .any(|l| l.contains("⚠") && l.contains("redirect URL")),
        "{frame}"
    );
    assert!(inside.iter().any(|l| l.contains("[ Next ]")), "{frame}");
    snap!("org_wizard_missing_redirect_80x24", c);
}

#[tokio::test]
async fn the_scope_picker_lists_serverless_saying_its_permissions_are_not_in_the_catalog_yet() {
    let w = world().await;
    let mut c = w.console().await;
    c.keys("n").await;
    c.type_text("Functions deployer").await;
    c.keys("Ctrl-s").await;
    let unlisted = "Serverless — its permissions are not in this catalog yet";
    assert!(c.frame().contains(unlisted), "{}", c.frame());
    // A search for the area finds it; Space on it selects nothing, as there is nothing to hold.
    c.keys("Tab").await;
    c.type_text("serverless").await;
    assert!(c.frame().contains(unlisted), "{}", c.frame());
    c.keys("Tab Space").await;
    assert!(c.frame().contains("0/100 selected"), "{}", c.frame());
    snap!("wizard_scopes_serverless", c);
}

#[tokio::test]
async fn esc_in_an_edit_form_asks_before_discarding_changes_as_the_wizard_does() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    c.keys("Enter e").await;
    c.type_text(" v2").await;
    c.keys("Esc").await;
    assert_eq!(
        c.ui.state().dialog_title().as_deref(),
        Some("Discard your changes?")
    );
    snap!("detail_discard_asks", c);
    c.keys("n").await;
    assert!(
        c.frame().contains("Billing sync v2"),
        "still editing what was typed"
    );
    c.keys("Esc y").await;
    assert!(c.ui.state().dialog.is_none());
    assert!(c.status().contains("nothing was saved"), "{}", c.status());
    assert_eq!(w.app_names().await, ["Billing sync"]);
    // With nothing changed there is nothing to ask: Esc leaves the form at once.
    c.keys("e Esc").await;
    assert!(c.ui.state().dialog.is_none());
    assert!(
        c.frame().contains("[ Edit application details ]"),
        "{}",
        c.frame()
    );
    // The access settings editor asks too.
    c.keys("2 e Ctrl-u").await;
    c.type_text("15m").await;
    c.keys("Esc").await;
    assert_eq!(
        c.ui.state().dialog_title().as_deref(),
        Some("Discard your changes?")
    );
}

#[tokio::test]
async fn the_first_starts_generated_password_is_shown_once_in_the_console_with_copy() {
    let w = world().await;
    w.app("Billing sync").await;
    let mut c = w.console().await;
    let password = "correct horse battery staple, generated";
    c.ui.show_first_start(FirstStart {
        username: "admin".into(),
        password: GeneratedPassword::received(password.into()),
    });
    let frame = c.frame();
    assert!(frame.contains(password), "{frame}");
    assert!(frame.contains("It is shown only now"), "{frame}");
    snap!("first_start_password", c);
    // The first button copies it; the dialog stays until it is closed.
    c.keys("Enter").await;
    assert_eq!(c.clipboard.copied(), vec![password.to_owned()]);
    assert!(c.status().contains("Copied the password"), "{}", c.status());
    assert!(c.frame().contains(password));
    c.keys("Right Enter").await;
    assert!(c.ui.state().dialog.is_none());
    assert!(!c.frame().contains(password), "shown once:\n{}", c.frame());
    assert!(c.frame().contains("Billing sync"));
}

#[tokio::test]
async fn a_token_with_a_long_scope_claim_still_shows_its_times_in_the_token_tool() {
    let w = world().await;
    let scopes: Vec<String> = oauth_console::model::scopes::catalog()
        .for_owner(oauth_console::model::OwnerKind::Account)
        .take(80)
        .map(|permission| permission.name.to_owned())
        .collect();
    w.clock.advance(Seconds::MINUTE);
    let created = w
        .service
        .create_app(
            &w.admin,
            NewApp {
                owner: w.account.clone(),
                grant_type: GrantType::ClientCredentials,
                settings: AppSettings {
                    name: "Everything reader".into(),
                    scopes,
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap();
    let served = w.serve().await;
    let mut c = w.console_served(&w.admin, &served).await;
    c.keys("T").await;
    c.type_text(created.secret.expose()).await;
    c.keys("Enter").await;
    let frame = c.frame();
    for shown in ["exp ", "time left", "1h 0m 0s", "scope"] {
        assert!(frame.contains(shown), "{shown:?} is hidden:\n{frame}");
    }
    served.stop().await;
}

/// Europe/Paris as its POSIX rule (what `TZ=CET-1CEST,M3.5.0,M10.5.0/3` says), so the scenario
/// needs no zone database on the machine that runs it.
fn paris() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
}

#[tokio::test]
async fn times_show_in_the_local_zone_with_its_name_and_seconds_where_events_share_a_minute() {
    let w = world().await;
    // 19:40:01 and 19:41:01 UTC: 20:40 and 20:41 in Paris in November.
    w.app("Billing sync").await;
    let reports = w.app("Reports").await;
    w.clock.advance(Seconds(20));
    w.service
        .update_app(
            &w.admin,
            &reports.sid,
            AppUpdate {
                description: Some("Now hourly".into()),
                ..AppUpdate::default()
            },
        )
        .await
        .unwrap();
    let mut c = w.console().await;
    c.ui.set_zone(paris());
    let apps = c.frame();
    for shown in ["Created (CET)", "2026-11-23 20:40 ", "2026-11-23 20:41 "] {
        assert!(apps.contains(shown), "{shown:?} is not shown:\n{apps}");
    }
    assert!(!apps.contains("19:4"), "a UTC time is shown:\n{apps}");
    assert!(
        !apps.contains("20:40:01"),
        "apps a minute apart need no seconds:\n{apps}"
    );
    // Reports was created and updated in the same minute: the audit list tells them apart.
    c.keys("a").await;
    let audit = c.frame();
    for shown in [
        "Date (CET)",
        "2026-11-23 20:41:21",
        "2026-11-23 20:41:01",
        "at   2026-11-23 20:41:21 CET",
    ] {
        assert!(audit.contains(shown), "{shown:?} is not shown:\n{audit}");
    }
    snap!("audit_in_a_local_zone", c);
    c.keys("Esc Enter").await;
    let details = c.frame();
    assert!(
        details.contains("2026-11-23 20:41 CET"),
        "the app's dates name their zone:\n{details}"
    );
}

/// An authorization-code app of the organization that may be granted refresh tokens, its secret, and a code the admin approved for it with a PKCE challenge, as the consent page
/// redirects with it; `openid` is asked for too, so an ID token comes back.
async fn app_with_a_code(w: &World) -> (OAuthApp, String, String) {
    w.clock.advance(Seconds::MINUTE);
    let created = w
        .service
        .create_app(
            &w.admin,
            NewApp {
                owner: w.organization.clone(),
                grant_type: GrantType::AuthorizationCode,
                settings: AppSettings {
                    name: "Partner portal".into(),
                    scopes: vec!["managed-users/read".into(), "offline_access".into()],
                    redirect_uris: vec![REDIRECT.into()],
                    ..AppSettings::default()
                },
                region: None,
            },
        )
        .await
        .unwrap();
    let valid = w
        .service
        .check_authorization_request(AuthorizationRequest {
            client_id: created.app.sid.to_string(),
            redirect_uri: Some(REDIRECT.into()),
            response_type: "code".into(),
            scope: Some("openid managed-users/read offline_access".into()),
            state: Some("xyz".into()),
            code_challenge: Some(s256_challenge(VERIFIER)),
            code_challenge_method: Some("S256".into()),
            nonce: None,
        })
        .await
        .unwrap();
    let code = w
        .service
        .approve(&w.admin, w.service.now(), &valid)
        .await
        .unwrap();
    (
        created.app,
        created.secret.expose().to_owned(),
        code.expose().to_owned(),
    )
}

#[tokio::test]
async fn the_token_tool_exchanges_a_code_refreshes_and_introspects_on_an_authorization_code_app() {
    let w = world().await;
    let (app, secret, code) = app_with_a_code(&w).await;
    let served = w.serve().await;
    let mut c = w.console_served(&w.admin, &served).await;
    c.switch_to(2).await;
    c.keys("T").await;
    snap!("token_tool_authorization_code", frame: c.stable_frame(&served.base));
    assert!(
        c.frame().contains(REDIRECT),
        "the app's redirect URI is filled in"
    );
    c.type_text(&secret).await;
    c.keys("Tab").await;
    c.type_text(&code).await;
    c.keys("Tab Tab").await;
    c.type_text(VERIFIER).await;
    c.keys("Enter").await;
    snap!("token_tool_code_exchanged", frame: c.stable_frame(&served.base));
    assert!(
        c.status().starts_with("The server issued a token for"),
        "{}",
        c.status()
    );
    let frame = c.frame();
    assert!(frame.contains(app.sid.as_str()), "{frame}");
    assert!(
        frame.contains("refresh_token (filled in for Refresh) · id_token"),
        "{frame}"
    );
    for hidden in [code.as_str(), VERIFIER, secret.as_str()] {
        assert!(!frame.contains(hidden), "{hidden} is shown:\n{frame}");
    }
    let Screen::TokenTool(tool) = &c.ui.state().screen else {
        panic!("not the token tool")
    };
    let Some(TokenOutcome::Issued(first)) = &tool.outcome else {
        panic!("no token")
    };
    let (first_jti, first_refresh) = (first.claims.jti.clone(), first.refresh_token.clone());
    assert!(
        !frame.contains(first_refresh.as_deref().unwrap()),
        "the refresh token is never shown"
    );

    // To the choice of call, then the refresh, which the exchange filled in.
    c.keys("Tab Tab Right").await;
    assert!(
        c.frame().contains("grant_type=refresh_token"),
        "{}",
        c.frame()
    );
    w.clock.advance(Seconds::MINUTE);
    c.keys("Enter").await;
    snap!("token_tool_refreshed", frame: c.stable_frame(&served.base));
    let Screen::TokenTool(tool) = &c.ui.state().screen else {
        panic!("not the token tool")
    };
    let Some(TokenOutcome::Issued(second)) = &tool.outcome else {
        panic!("no token from the refresh: {}", c.status())
    };
    assert_ne!(second.claims.jti, first_jti, "a new access token");
    assert_ne!(second.refresh_token, first_refresh, "a new refresh token");
    assert!(second.refresh_token.is_some());

    c.keys("Right Enter").await;
    snap!("token_tool_introspected", frame: c.stable_frame(&served.base));
    assert!(c.status().contains("the token is active"), "{}", c.status());
    let frame = c.frame();
    assert!(frame.contains("Active"), "{frame}");
    assert!(frame.contains("managed-users/read"), "{frame}");
    served.stop().await;
}

#[tokio::test]
async fn the_token_tool_shows_the_servers_invalid_grant_for_a_wrong_code() {
    let w = world().await;
    let (_, secret, _) = app_with_a_code(&w).await;
    let served = w.serve().await;
    let mut c = w.console_served(&w.admin, &served).await;
    c.switch_to(2).await;
    c.keys("T").await;
    c.type_text(&secret).await;
    c.keys("Tab").await;
    c.type_text("not-the-code").await;
    c.keys("Enter").await;
    snap!("token_tool_wrong_code", frame: c.stable_frame(&served.base));
    assert!(
        c.status().starts_with("The server refused: invalid_grant"),
        "{}",
        c.status()
    );
    served.stop().await;
}

#[tokio::test]
async fn at_80_by_24_an_authorization_code_apps_five_tabs_all_stay_on_the_tab_row() {
    let w = world().await;
    w.authorized_app("Partner portal", &[]).await;
    let mut c = w.console().await;
    c.ui.resize(80, 24).await;
    c.keys("o End Enter Enter 4").await;
    let frame = c.frame();
    let tabs = frame.lines().nth(2).unwrap_or_default();
    assert_eq!(
        tabs.trim_end(),
        "│ Details │ Access │ Credentials │[Authorized]│ Audit                          │",
        "{frame}"
    );
    // At a width where the whole titles fit, they are the whole titles.
    c.ui.resize(110, 30).await;
    let frame = c.frame();
    assert!(
        frame.contains("│ Application details │ Access settings │ Credentials │[Authorized applications]│ Audit events"),
        "{frame}"
    );
}
