//! Parameter-mapping expressions (`responseParameters` of integration responses and gateway
//! responses; DG `request-response-data-mappings`), read once when the gateway is built.

use std::borrow::Cow;

use serde_json::Value;

use crate::context::{RequestContext, lookup_host};
use crate::request::MethodRequest;

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// `'text'`.
    Static(String),
    /// `method.request.path.NAME`.
    Path(String),
    /// `method.request.querystring.NAME`.
    Query(String),
    /// `method.request.header.NAME` (case-insensitive, last value).
    Header(String),
    /// `integration.response.header.NAME` or `integration.response.multivalueheader.NAME`: the
    /// backend's values of that header joined with `,`.
    IntegrationHeader(String),
    /// `integration.response.body`.
    IntegrationBody,
    /// `integration.response.body.a.b`: a member of the backend's JSON body.
    IntegrationBodyPath(Vec<String>),
    /// `context.a.b`.
    Context(Vec<String>),
    /// `stageVariables.NAME`.
    StageVariable(String),
    /// Anything else maps to nothing.
    Nothing,
}

impl Source {
    pub fn parse(source: &str) -> Source {
        if let Some(s) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return Source::Static(s.to_string());
        }
        if let Some(h) = source
            .strip_prefix("integration.response.header.")
            .or_else(|| source.strip_prefix("integration.response.multivalueheader."))
        {
            return Source::IntegrationHeader(h.to_string());
        }
        if source == "integration.response.body" {
            return Source::IntegrationBody;
        }
        if let Some(path) = source.strip_prefix("integration.response.body.") {
            return Source::IntegrationBodyPath(path.split('.').map(str::to_string).collect());
        }
        if let Some(name) = source.strip_prefix("context.") {
            return Source::Context(name.split('.').map(str::to_string).collect());
        }
        if let Some(name) = source.strip_prefix("stageVariables.") {
            return Source::StageVariable(name.to_string());
        }
        if let Some(n) = source.strip_prefix("method.request.path.") {
            return Source::Path(n.to_string());
        }
        if let Some(n) = source.strip_prefix("method.request.querystring.") {
            return Source::Query(n.to_string());
        }
        if let Some(n) = source.strip_prefix("method.request.header.") {
            return Source::Header(n.to_string());
        }
        Source::Nothing
    }
}

/// The backend response a mapping can read (absent for gateway responses).
pub(crate) struct Backend<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    /// The body as JSON, parsed on first use.
    pub json: std::cell::OnceCell<Option<Value>>,
}

impl Backend<'_> {
    fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| serde_json::from_str(self.body).ok())
            .as_ref()
    }
}

/// What a mapping reads from.
pub(crate) struct Sources<'a, 'r> {
    pub context: &'a RequestContext<'r>,
    pub stage_variables: &'a indexmap::IndexMap<String, String>,
    /// The method request; `None` before it was read (a 413), when its parameters map to nothing.
    pub request: Option<&'a MethodRequest<'r>>,
    pub backend: Option<&'a Backend<'a>>,
}

impl Source {
    /// The value, `None` when there is none (the header is then not set).
    pub fn value<'a>(&'a self, from: &'a Sources<'a, '_>) -> Option<Cow<'a, str>> {
        match self {
            Source::Static(s) => Some(Cow::Borrowed(s)),
            Source::Context(path) => lookup_host(from.context, path.as_slice()),
            Source::StageVariable(n) => from
                .stage_variables
                .get(n)
                .map(|v| Cow::Borrowed(v.as_str())),
            Source::Path(n) => from.request?.path.get(n).map(|v| Cow::Borrowed(v.as_str())),
            Source::Query(n) => from
                .request?
                .querystring
                .get(n)
                .map(|v| Cow::Borrowed(v.as_str())),
            Source::Header(n) => from
                .request?
                .header
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| Cow::Borrowed(v.as_str())),
            Source::IntegrationHeader(h) => {
                let b = from.backend?;
                let mut vals = b.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(h));
                let first = vals.next()?;
                let mut out = Cow::Borrowed(first.1.as_str());
                for (_, v) in vals {
                    let o = out.to_mut();
                    o.push(',');
                    o.push_str(v);
                }
                Some(out)
            }
            Source::IntegrationBody => Some(Cow::Borrowed(from.backend?.body)),
            Source::IntegrationBodyPath(path) => {
                let mut cur = from.backend?.json()?;
                for p in path {
                    cur = cur.get(p)?;
                }
                match cur {
                    Value::String(s) => Some(Cow::Borrowed(s)),
                    Value::Null => None,
                    other => Some(Cow::Owned(other.to_string())),
                }
            }
            Source::Nothing => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_read_once() {
        assert_eq!(Source::parse("'x y'"), Source::Static("x y".into()));
        assert_eq!(Source::parse("'"), Source::Nothing);
        assert_eq!(
            Source::parse("integration.response.multivalueheader.Date"),
            Source::IntegrationHeader("Date".into())
        );
        assert_eq!(
            Source::parse("integration.response.body.a.b"),
            Source::IntegrationBodyPath(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            Source::parse("context.identity.sourceIp"),
            Source::Context(vec!["identity".into(), "sourceIp".into()])
        );
        assert_eq!(
            Source::parse("method.request.header.X-A"),
            Source::Header("X-A".into())
        );
        assert_eq!(Source::parse("method.request.body"), Source::Nothing);
    }
}
