//! Properties of [`Catalog::authorize`] on generated URLs: every endpoint of the catalog, with any
//! path parameters, opens to its own scope and hands back those parameters; the spellings the
//! check forgives (method case, host case, query, fragment, trailing slash) change nothing; a dot
//! segment is always refused; and any text at all is answered without a panic. Kept apart from
//! `scopes.rs`'s own tests so that the two change independently.

use proptest::prelude::*;

use super::{Catalog, Endpoint, catalog};

/// Every endpoint with the permission that lists it.
fn endpoints() -> Vec<(&'static str, &'static Endpoint)> {
    let catalog: &'static Catalog = catalog();
    catalog
        .permissions()
        .iter()
        .flat_map(|p| p.endpoints.iter().map(move |e| (p.name, e)))
        .collect()
}

/// `pattern` with each `{Name}` replaced by the next of `values`, and the values used.
fn fill(pattern: &str, values: &[String]) -> (String, Vec<String>) {
    let mut url = String::new();
    let mut used = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        url.push_str(&rest[..open]);
        let close = open
            + rest[open..]
                .find('}')
                .expect("the catalog's braces pair up");
        let value = values[used.len() % values.len()].clone();
        url.push_str(&value);
        used.push(value);
        rest = &rest[close + 1..];
    }
    url.push_str(rest);
    (url, used)
}

/// Parameter values no literal segment of a Twilio path looks like, so that the filled URL names
/// the endpoint's own route rather than a more specific one.
fn param_value() -> impl Strategy<Value = String> {
    "9[a-f0-9]{0,15}"
}

fn filled_endpoint() -> impl Strategy<Value = (&'static str, &'static Endpoint, String, Vec<String>)>
{
    (
        proptest::sample::select(endpoints()),
        proptest::collection::vec(param_value(), 1..6),
    )
        .prop_map(|((permission, endpoint), values)| {
            let (url, used) = fill(endpoint.pattern, &values);
            (permission, endpoint, url, used)
        })
}

fn captured<'u>(scope: &str, method: &str, url: &'u str) -> Option<(&'static str, Vec<&'u str>)> {
    catalog()
        .authorize(&[scope], method, url)
        .map(|m| (m.permission, m.params.iter().map(|(_, v)| *v).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_endpoint_with_any_parameters_opens_to_its_own_scope(
        (permission, endpoint, url, used) in filled_endpoint(),
    ) {
        let expected: Vec<&str> = used.iter().map(String::as_str).collect();
        prop_assert_eq!(
            captured(permission, endpoint.method, &url),
            Some((permission, expected)),
            "{} {}", endpoint.method, url
        );
    }

    #[test]
    fn forgiven_spellings_name_the_same_endpoint(
        (permission, endpoint, url, _used) in filled_endpoint(),
        query in proptest::option::of("[?#][ -~]{0,20}"),
        trailing_slash in any::<bool>(),
    ) {
        let (scheme, rest) = url.split_once("://").expect("every pattern has a scheme");
        let (host, path) = rest.split_once('/').expect("every pattern has a path");
        let respelled = format!(
            "{scheme}://{}/{path}{}{}",
            host.to_ascii_uppercase(),
            if trailing_slash { "/" } else { "" },
            query.unwrap_or_default(),
        );
        prop_assert_eq!(
            captured(permission, &endpoint.method.to_ascii_lowercase(), &respelled),
            captured(permission, endpoint.method, &url),
            "{}", respelled
        );
    }

    #[test]
    fn a_dot_segment_anywhere_is_refused(
        (permission, endpoint, url, _used) in filled_endpoint(),
        dots in proptest::sample::select(vec![".", "..", "%2e", "%2E%2e", ".%2E"]),
        at in any::<proptest::sample::Index>(),
    ) {
        let (scheme, rest) = url.split_once("://").expect("every pattern has a scheme");
        let (host, path) = rest.split_once('/').expect("every pattern has a path");
        let mut segments: Vec<&str> = path.split('/').collect();
        let replaced = at.index(segments.len());
        segments[replaced] = dots;
        let dotted = format!("{scheme}://{host}/{}", segments.join("/"));
        prop_assert_eq!(captured(permission, endpoint.method, &dotted), None, "{}", dotted);
    }

    #[test]
    fn any_method_and_url_are_answered_without_panicking(
        method in any::<String>(),
        url in prop_oneof![
            any::<String>(),
            filled_endpoint().prop_map(|(_, _, url, _)| url),
        ],
        cut in any::<proptest::sample::Index>(),
        noise in any::<String>(),
    ) {
        let scopes: Vec<&str> = catalog().permissions().iter().map(|p| p.name).collect();
        let mut boundary = cut.index(url.len() + 1);
        while !url.is_char_boundary(boundary) {
            boundary -= 1;
        }
        let mutated = format!("{}{noise}{}", &url[..boundary], &url[boundary..]);
        for text in [&url, &mutated] {
            if let Some(found) = catalog().authorize(&scopes, &method, text) {
                prop_assert!(found.permission.contains('/'), "{}", found.permission);
                prop_assert!(found.params.iter().all(|(_, value)| !value.is_empty()));
            }
        }
    }
}
