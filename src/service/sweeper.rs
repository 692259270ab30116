//! The sweeper: what may leave the store, and when. Codes, refresh tokens, revoked `jti`s,
//! sessions and retired signing keys matter only for a while; past it they are removed, so that a
//! busy server's store stops growing. The store only removes what is past the cutoffs decided
//! here ([`Store::purge`](crate::store::Store::purge)), a bounded batch at a time.
//!
//! How long each kind matters:
//! - **A code or a refresh token** until it expires. Presenting one that was already used is a
//!   replay, which revokes the whole authorization (`authorizations.rs`): the one holder it can
//!   protect is the legitimate client whose code or token a thief used first, and that client
//!   presents it within its lifetime (a code within its 5 minutes, a refresh token before its
//!   expiry) or never, since after it the same token would be refused as expired had nobody
//!   used it. So detection covers the whole window in which the token could be used at all;
//!   after it, the token is simply unknown (`invalid_grant`) and its authorization lives on until
//!   it is revoked or its own tokens expire. An unused code or token is refused once expired, so
//!   it goes at the same time.
//! - **A revoked `jti`** until its token's `exp`: an expired token is refused whatever the list
//!   says.
//! - **A session** until it expires: an expired session signs nobody in.
//! - **A retired signing key** until the last token it may have signed has expired: tokens live
//!   at most [`MAX_TOKEN_TTL`] (30 days), which is also how long the JWKS keeps publishing it
//!   ([`SigningKeyRecord::is_published`](crate::model::SigningKeyRecord::is_published)). The key
//!   that signs is never removed.
//! - **A window of failed authentications** (a shared store's; see `limiter.rs`) until it ends:
//!   after it, its failures no longer count.
//!
//! Each is kept [`SWEEP_MARGIN`] longer, for requests that read a record just before it stopped
//! mattering and commit just after (a token request may take 10 s), and for the clocks of several
//! servers over one database.

use crate::model::{MAX_TOKEN_TTL, Seconds, Timestamp};
use crate::store::{PurgeCutoffs, Purged};

use super::{ConsoleService, Result};

/// How long past the instant it stopped mattering a record is kept.
pub const SWEEP_MARGIN: Seconds = Seconds::MINUTE;

/// The most records of each kind one batch removes: small, so that a batch takes a few
/// milliseconds and the token requests committing beside it do not wait on it.
pub const SWEEP_BATCH: usize = 200;

/// The most batches one [`ConsoleService::sweep`] runs; what is left waits for the next sweep.
const SWEEP_MAX_BATCHES: usize = 1000;

impl ConsoleService {
    /// Removes one batch of what no longer matters (see the module doc): at most `limit` records
    /// of each kind.
    pub async fn sweep_batch(&self, limit: usize) -> Result<Purged> {
        let purged = self
            .store
            .purge(&sweep_cutoffs(self.clock.now()), limit)
            .await?;
        self.metrics.swept("code", purged.codes);
        self.metrics.swept("refresh_token", purged.refresh_tokens);
        self.metrics.swept("revoked_jti", purged.revocations);
        self.metrics.swept("session", purged.sessions);
        self.metrics.swept("signing_key", purged.signing_keys);
        self.metrics.swept("failure_window", purged.failure_windows);
        Ok(purged)
    }

    /// Removes everything that no longer matters, a batch of [`SWEEP_BATCH`] at a time, letting
    /// other tasks run between batches; what a very large backlog leaves after
    /// `SWEEP_MAX_BATCHES` waits for the next sweep.
    pub async fn sweep(&self) -> Result<Purged> {
        let mut total = Purged::default();
        for _ in 0..SWEEP_MAX_BATCHES {
            let batch = self.sweep_batch(SWEEP_BATCH).await?;
            total.add(batch);
            if !batch.reached(SWEEP_BATCH) {
                break;
            }
            tokio::task::yield_now().await;
        }
        Ok(total)
    }
}

/// The cutoffs of a sweep at `now`: the one place that says how long each kind matters.
fn sweep_cutoffs(now: Timestamp) -> PurgeCutoffs {
    let past_margin = now.minus(SWEEP_MARGIN);
    PurgeCutoffs {
        codes_expired_before: past_margin,
        refresh_tokens_expired_before: past_margin,
        revocations_expired_before: past_margin,
        sessions_expired_before: past_margin,
        signing_keys_retired_before: past_margin.minus(MAX_TOKEN_TTL),
        failure_windows_ended_before: past_margin,
    }
}
