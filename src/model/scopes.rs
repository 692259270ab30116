// TEMPORARY stand-in until the catalog module arrives.
use super::OwnerKind;
use std::sync::LazyLock;
pub const OFFLINE_ACCESS: &str = "offline_access";
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Messaging,
    Organization,
}
impl Area {
    pub fn name(self) -> &'static str {
        match self {
            Area::Messaging => "Messaging",
            Area::Organization => "Organization",
        }
    }
    pub fn for_owner(kind: OwnerKind) -> &'static [Area] {
        match kind {
            OwnerKind::Account => &[Area::Messaging],
            OwnerKind::Organization => &[Area::Organization],
        }
    }
}
pub struct Endpoint {
    pub method: &'static str,
    pub pattern: &'static str,
}
pub struct Permission {
    pub name: &'static str,
    pub area: Area,
    pub endpoints: Vec<Endpoint>,
}
pub struct Catalog {
    permissions: Vec<Permission>,
}
static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let mut permissions: Vec<Permission> = ["read", "list", "create", "update", "delete"]
        .iter()
        .map(|a| Permission {
            name: Box::leak(format!("/twilio/messaging/messages/{a}").into_boxed_str()),
            area: Area::Messaging,
            endpoints: vec![],
        })
        .collect();
    for i in 0..500 {
        permissions.push(Permission {
            name: Box::leak(format!("/twilio/voice/x{i}/read").into_boxed_str()),
            area: Area::Messaging,
            endpoints: vec![],
        });
    }
    permissions.push(Permission {
        name: "/twilio/voice/calls/read",
        area: Area::Messaging,
        endpoints: vec![],
    });
    for n in ["managed-users/read", OFFLINE_ACCESS] {
        permissions.push(Permission {
            name: n,
            area: Area::Organization,
            endpoints: vec![],
        });
    }
    Catalog { permissions }
});
pub fn catalog() -> &'static Catalog {
    &CATALOG
}
impl Catalog {
    pub fn for_owner(&self, kind: OwnerKind) -> impl Iterator<Item = &Permission> {
        self.permissions
            .iter()
            .filter(move |p| Area::for_owner(kind).contains(&p.area))
    }
    pub fn is_known(&self, kind: OwnerKind, scope: &str) -> bool {
        self.for_owner(kind).any(|p| p.name == scope)
    }
}
