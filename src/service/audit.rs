//! Reading the audit trail, limited to the owners the reader manages.

use crate::model::{AuditEvent, AuditFilter, Page, Sid};
use crate::store::AuditQuery;

use super::apps::page_size;
use super::{ConsoleService, Result};

impl ConsoleService {
    pub async fn audit_events(&self, actor: &Sid, filter: AuditFilter) -> Result<Page<AuditEvent>> {
        let user = self.actor(actor).await?;
        let owners = match &filter.owner {
            Some(owner) => vec![self.owner_managed_by(&user, owner).await?.sid],
            None => user
                .roles
                .iter()
                .filter(|m| m.role.may_manage_oauth_apps())
                .map(|m| m.owner.clone())
                .collect(),
        };
        let query = AuditQuery {
            owners,
            app: filter.app,
            event_type: filter.event_type,
            page_size: page_size(filter.page_size),
            after: filter.after,
        };
        Ok(self.store.audit_events(&query).await?)
    }
}
