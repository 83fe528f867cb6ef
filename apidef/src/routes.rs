//! The route table: API Gateway's resource tree flattened into path templates.
//!
//! Rules (developer guide, "api-gateway-known-issues" and the resource model): a path segment is
//! a literal, a whole-segment `{param}`, or a greedy `{proxy+}` as the last segment. When several
//! resources match a request path, the most specific wins, segment by segment: a literal beats
//! `{param}`, which beats `{proxy+}`. Method lookup happens on the chosen resource only, falling
//! back to `x-amazon-apigateway-any-method`. Whether AWS backtracks to a less specific resource
//! when the most specific one lacks the method is not documented; this choice is listed in the
//! README's dialect table.

use indexmap::IndexMap;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl Segment {
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 2,
        }
    }
}

/// Parse a path template such as `/{artist}/{album}` or `/files/{proxy+}`.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    if !path.starts_with('/') {
        return Err(format!("path {path:?} must start with '/'"));
    }
    if path == "/" {
        return Ok(Vec::new());
    }
    let body = path.strip_suffix('/').unwrap_or(path);
    let parts: Vec<&str> = body[1..].split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(format!("path {path:?} has an empty segment"));
        }
        if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if let Some(name) = inner.strip_suffix('+') {
                if i + 1 != parts.len() {
                    return Err(format!(
                        "greedy parameter {{{name}+}} must be the last segment of {path:?}"
                    ));
                }
                check_name(name, path)?;
                out.push(Segment::Greedy(name.to_string()));
            } else {
                check_name(inner, path)?;
                out.push(Segment::Param(inner.to_string()));
            }
        } else {
            // API Gateway resource path parts: alphanumerics and `_ - . , :` (known issues page).
            if let Some(c) = part
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || "_-.,:".contains(*c)))
            {
                return Err(format!(
                    "segment {part:?} of {path:?} has {c:?}; API Gateway allows only alphanumerics, '_', '-', '.', ',', ':' and a whole-segment {{param}}"
                ));
            }
            out.push(Segment::Literal(part.to_string()));
        }
    }
    Ok(out)
}

fn check_name(name: &str, path: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return Err(format!("invalid parameter name {name:?} in {path:?}"));
    }
    Ok(())
}

/// A resource: a path template and its methods (upper-case; `ANY` for the any-method).
#[derive(Debug, Clone)]
pub struct Resource {
    pub path: String,
    pub segments: Vec<Segment>,
    /// Method -> index into [`crate::Api::operations`].
    pub methods: IndexMap<String, usize>,
}

/// The result of routing a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    Found {
        operation: usize,
        /// Path parameters by name, from the (already percent-decoded) segments.
        path_params: IndexMap<String, String>,
    },
    /// No resource has this path, or it lacks the method: API Gateway answers both with 403
    /// MISSING_AUTHENTICATION_TOKEN.
    NotFound,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub resources: Vec<Resource>,
}

impl RouteTable {
    pub fn add(&mut self, path: &str, segments: Vec<Segment>, method: &str, operation: usize) {
        if let Some(r) = self.resources.iter_mut().find(|r| r.path == path) {
            r.methods.insert(method.to_string(), operation);
            return;
        }
        let mut methods = IndexMap::new();
        methods.insert(method.to_string(), operation);
        self.resources.push(Resource {
            path: path.to_string(),
            segments,
            methods,
        });
    }

    /// Route `method` and decoded path `segments` (the request path split on '/', without the
    /// stage, each segment percent-decoded once).
    pub fn route(&self, method: &str, segments: &[String]) -> RouteMatch {
        let mut best: Option<(&Resource, Vec<u8>)> = None;
        for r in &self.resources {
            if let Some(ranks) = match_segments(&r.segments, segments) {
                let better = match &best {
                    None => true,
                    Some((_, b)) => ranks < *b,
                };
                if better {
                    best = Some((r, ranks));
                }
            }
        }
        let Some((resource, _)) = best else {
            return RouteMatch::NotFound;
        };
        let method = method.to_ascii_uppercase();
        let op = resource
            .methods
            .get(&method)
            .or_else(|| resource.methods.get("ANY"));
        match op {
            Some(&operation) => RouteMatch::Found {
                operation,
                path_params: bind(&resource.segments, segments),
            },
            None => RouteMatch::NotFound,
        }
    }
}

fn match_segments(template: &[Segment], path: &[String]) -> Option<Vec<u8>> {
    let mut ranks = Vec::with_capacity(template.len());
    for (i, seg) in template.iter().enumerate() {
        match seg {
            Segment::Greedy(_) => {
                // `{proxy+}` takes one or more remaining segments.
                if path.len() <= i {
                    return None;
                }
                ranks.push(seg.rank());
                return Some(ranks);
            }
            Segment::Literal(l) => {
                if path.get(i) != Some(l) {
                    return None;
                }
            }
            Segment::Param(_) => {
                if path.get(i).is_none_or(|p| p.is_empty()) {
                    return None;
                }
            }
        }
        ranks.push(seg.rank());
    }
    (path.len() == template.len()).then_some(ranks)
}

fn bind(template: &[Segment], path: &[String]) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for (i, seg) in template.iter().enumerate() {
        match seg {
            Segment::Param(n) => {
                out.insert(n.clone(), path[i].clone());
            }
            Segment::Greedy(n) => {
                out.insert(n.clone(), path[i..].join("/"));
            }
            Segment::Literal(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(routes: &[(&str, &str)]) -> RouteTable {
        let mut t = RouteTable::default();
        for (i, (m, p)) in routes.iter().enumerate() {
            t.add(p, parse_path(p).unwrap(), m, i);
        }
        t
    }
    fn segs(p: &str) -> Vec<String> {
        p.trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn literal_beats_param_beats_greedy() {
        let t = table(&[
            ("GET", "/{proxy+}"),
            ("GET", "/{a}/{b}"),
            ("GET", "/album/{b}"),
            ("GET", "/"),
        ]);
        assert!(matches!(
            t.route("GET", &segs("/album/x")),
            RouteMatch::Found { operation: 2, .. }
        ));
        assert!(matches!(
            t.route("GET", &segs("/y/x")),
            RouteMatch::Found { operation: 1, .. }
        ));
        match t.route("GET", &segs("/y/x/z")) {
            RouteMatch::Found {
                operation,
                path_params,
            } => {
                assert_eq!(operation, 0);
                assert_eq!(path_params["proxy"], "y/x/z");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t.route("GET", &[]),
            RouteMatch::Found { operation: 3, .. }
        ));
    }

    #[test]
    fn wrong_method_and_unknown_path_are_not_found() {
        let t = table(&[("POST", "/album"), ("DELETE", "/{artist}/{album}")]);
        assert_eq!(t.route("GET", &segs("/album")), RouteMatch::NotFound);
        assert_eq!(
            t.route("GET", &segs("/nothing/here/at/all")),
            RouteMatch::NotFound
        );
        // `/album/x` is not under the literal `/album` resource (it has no children), so the
        // parameter resource takes it.
        assert!(matches!(
            t.route("DELETE", &segs("/album/x")),
            RouteMatch::Found { operation: 1, .. }
        ));
    }

    #[test]
    fn any_method_is_the_fallback() {
        let t = table(&[("ANY", "/x"), ("GET", "/x")]);
        assert!(matches!(
            t.route("GET", &segs("/x")),
            RouteMatch::Found { operation: 1, .. }
        ));
        assert!(matches!(
            t.route("PATCH", &segs("/x")),
            RouteMatch::Found { operation: 0, .. }
        ));
    }

    #[test]
    fn bad_paths() {
        assert!(parse_path("/res{id}").is_err());
        assert!(parse_path("/a/{p+}/b").is_err());
        assert!(parse_path("no-slash").is_err());
        assert!(parse_path("/a//b").is_err());
        assert!(parse_path("/a b").is_err());
    }
}
