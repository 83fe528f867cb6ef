//! The IAM policy language, as far as `execute-api:Invoke` needs it: resource policies
//! (`x-amazon-apigateway-policy`), the identity policies of local IAM callers
//! (`gateway serve --iam-policies`) and the policies Lambda authorizers return. One evaluator
//! for the three, as IAM has one (IAM User Guide, "Policy evaluation logic"):
//!
//! - a statement applies when its `Principal`/`NotPrincipal` (resource policies only), `Action`/
//!   `NotAction`, `Resource`/`NotResource` and every `Condition` match the request;
//! - any applying `Deny` is an explicit deny; else any applying `Allow` allows; else the policy
//!   is silent (an implicit deny).
//!
//! Resources and actions match with IAM's wildcards (`*` any run, `?` one character, case
//! sensitive for resources, not for actions). `execute-api:/...` is API Gateway's shorthand
//! for the API's own ARN in resource policies (DG "Create and attach an API Gateway resource
//! policy to an API"): `arn:aws:execute-api:REGION:ACCOUNT:API-ID/...`.
//!
//! Condition operators: the String, Arn, IpAddress, Numeric, Date, Bool and Null families,
//! each with `...IfExists`, and the `ForAnyValue:`/`ForAllValues:` set qualifiers (IAM User
//! Guide, "IAM JSON policy elements: Condition operators"). A key absent from the request makes
//! a condition false, except for the negated operators (`StringNotEquals`, `NotIpAddress`, ...),
//! `...IfExists` and `ForAllValues:`, which are true then. An operator outside these is an error
//! when the document loads, naming where it is.

use std::net::IpAddr;

use serde_json::Value;

/// What a policy says of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Allow,
    ExplicitDeny,
    /// No statement applies.
    Silent,
}

/// A policy that does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// JSON pointer inside the policy document (`/Statement/1/Condition`).
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Policy {
    statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
struct Statement {
    allow: bool,
    /// `None`: the statement has no principal element (identity policies).
    principal: Option<Principals>,
    not_principal: bool,
    actions: Vec<String>,
    not_action: bool,
    resources: Vec<String>,
    not_resource: bool,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
enum Principals {
    Anyone,
    /// `AWS` principals: account ids, `arn:aws:iam::ACCOUNT:root`, user and role ARNs.
    Aws(Vec<String>),
    /// `Service`, `Federated`, `CanonicalUser`: no local caller is one of these.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    op: Op,
    if_exists: bool,
    set: Set,
    key: String,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        use Op::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// The negated operators: true when none of the values match, and when the key is absent.
    fn negated(self) -> bool {
        use Op::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Does one request value match one policy value (for the negated operators, the positive
    /// test: the caller negates)?
    fn test(self, actual: &str, wanted: &str) -> bool {
        use Op::*;
        match self {
            StringEquals | StringNotEquals => actual == wanted,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                actual.to_lowercase() == wanted.to_lowercase()
            }
            StringLike | StringNotLike | ArnLike | ArnNotLike | ArnEquals | ArnNotEquals => {
                wildcard(wanted, actual)
            }
            Bool => actual.eq_ignore_ascii_case(wanted),
            IpAddress | NotIpAddress => in_cidr(actual, wanted),
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => match (actual.parse::<f64>(), wanted.parse::<f64>()) {
                (Ok(a), Ok(w)) => compare(self, a.partial_cmp(&w)),
                _ => false,
            },
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => match (epoch(actual), epoch(wanted)) {
                (Some(a), Some(w)) => compare(self, Some(a.cmp(&w))),
                _ => false,
            },
            // `Null` asks whether the key is there, not what it holds: `Condition::holds`
            // answers it before any value is compared.
            Null => false,
        }
    }
}

fn compare(op: Op, ord: Option<std::cmp::Ordering>) -> bool {
    use Op::*;
    use std::cmp::Ordering::*;
    let Some(ord) = ord else { return false };
    match op {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => ord == Equal,
        NumericLessThan | DateLessThan => ord == Less,
        NumericLessThanEquals | DateLessThanEquals => ord != Greater,
        NumericGreaterThan | DateGreaterThan => ord == Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ord != Less,
        _ => false,
    }
}

/// A date condition value: epoch seconds, or an ISO 8601 date-time (IAM accepts both).
fn epoch(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    crate::dates::parse_iso8601(s)
}

/// Who is calling, and what IAM's condition keys hold for this request.
pub(crate) struct Subject<'a> {
    /// The IAM principal's ARN; `None` for an anonymous caller (no `AWS_IAM`).
    pub arn: Option<&'a str>,
    /// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`.
    pub resource: &'a str,
    /// The values of a condition key (`aws:SourceIp`, ...), `None` when the request has none.
    pub key: &'a dyn Fn(&str) -> Option<Vec<String>>,
}

impl Policy {
    /// Parse a policy document: an object, or a string holding one (CloudFormation's `Policy`
    /// and the OpenAPI extension accept both). `api_arn` is what `execute-api:/` stands for.
    pub fn parse(doc: &Value, api_arn: &str) -> Result<Policy, PolicyError> {
        let err = |pointer: &str, message: String| PolicyError {
            pointer: pointer.to_string(),
            message,
        };
        let parsed;
        let doc = match doc {
            Value::String(s) => {
                parsed = serde_json::from_str::<Value>(s)
                    .map_err(|e| err("", format!("not a JSON policy document: {e}")))?;
                &parsed
            }
            other => other,
        };
        let obj = doc
            .as_object()
            .ok_or_else(|| err("", "a policy document must be an object".into()))?;
        let statements = match obj.get("Statement") {
            Some(Value::Array(a)) => a.iter().enumerate().collect::<Vec<_>>(),
            Some(s @ Value::Object(_)) => vec![(0, s)],
            _ => {
                return Err(err(
                    "/Statement",
                    "must be a statement or a list of statements".into(),
                ));
            }
        };
        let mut out = Vec::new();
        for (i, s) in statements {
            let at = if matches!(obj.get("Statement"), Some(Value::Array(_))) {
                format!("/Statement/{i}")
            } else {
                "/Statement".to_string()
            };
            out.push(Statement::parse(s, &at, api_arn)?);
        }
        Ok(Policy { statements: out })
    }

    /// A policy of one statement (a Lambda authorizer's file entry: effect and resources).
    pub fn single(allow: bool, resources: Vec<String>) -> Policy {
        Policy {
            statements: vec![Statement {
                allow,
                principal: None,
                not_principal: false,
                actions: vec!["execute-api:Invoke".into()],
                not_action: false,
                resources,
                not_resource: false,
                conditions: Vec::new(),
            }],
        }
    }

    /// `$methodArn` in a resource stands for `arn` (a Lambda authorizer that returns
    /// `event.methodArn`).
    pub fn bind_method_arn(&mut self, arn: &str) {
        for s in &mut self.statements {
            for r in &mut s.resources {
                if r == "$methodArn" {
                    *r = arn.to_string();
                }
            }
        }
    }

    /// What the policy says of `execute-api:Invoke` by `caller`.
    pub fn evaluate(&self, caller: &Subject<'_>) -> Decision {
        let mut allowed = false;
        for s in &self.statements {
            if s.applies(caller) {
                if !s.allow {
                    return Decision::ExplicitDeny;
                }
                allowed = true;
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::Silent
        }
    }
}

/// A list of strings, or one string (IAM accepts both almost everywhere).
fn strings(v: &Value, at: &str, what: &str) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(PolicyError {
            pointer: at.to_string(),
            message: format!("{what} must be a string or a list of strings"),
        }),
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

impl Statement {
    fn parse(s: &Value, at: &str, api_arn: &str) -> Result<Statement, PolicyError> {
        let err = |field: &str, message: String| PolicyError {
            pointer: format!("{at}{field}"),
            message,
        };
        let obj = s
            .as_object()
            .ok_or_else(|| err("", "a statement must be an object".into()))?;
        let allow = match obj.get("Effect").and_then(Value::as_str) {
            Some("Allow") => true,
            Some("Deny") => false,
            other => {
                return Err(err(
                    "/Effect",
                    format!("must be \"Allow\" or \"Deny\", not {other:?}"),
                ));
            }
        };
        let (principal, not_principal) = match (obj.get("Principal"), obj.get("NotPrincipal")) {
            (Some(p), None) => (Some(principals(p, &format!("{at}/Principal"))?), false),
            (None, Some(p)) => (Some(principals(p, &format!("{at}/NotPrincipal"))?), true),
            (None, None) => (None, false),
            (Some(_), Some(_)) => {
                return Err(err("", "has both Principal and NotPrincipal".into()));
            }
        };
        let pick = |yes: &str, no: &str| -> Result<(Vec<String>, bool), PolicyError> {
            match (obj.get(yes), obj.get(no)) {
                (Some(v), None) => Ok((strings(v, &format!("{at}/{yes}"), yes)?, false)),
                (None, Some(v)) => Ok((strings(v, &format!("{at}/{no}"), no)?, true)),
                (None, None) => Err(err("", format!("has neither {yes} nor {no}"))),
                (Some(_), Some(_)) => Err(err("", format!("has both {yes} and {no}"))),
            }
        };
        let (actions, not_action) = pick("Action", "NotAction")?;
        let (resources, not_resource) = pick("Resource", "NotResource")?;
        let resources = resources
            .into_iter()
            .map(|r| match r.strip_prefix("execute-api:/") {
                Some(rest) => format!("{api_arn}/{rest}"),
                None => r,
            })
            .collect();
        let mut conditions = Vec::new();
        if let Some(c) = obj.get("Condition") {
            let at = format!("{at}/Condition");
            let ops = c.as_object().ok_or_else(|| PolicyError {
                pointer: at.clone(),
                message: "must be an object of condition operators".into(),
            })?;
            for (name, keys) in ops {
                let here = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
                let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
                    (Set::ForAnyValue, r)
                } else if let Some(r) = name.strip_prefix("ForAllValues:") {
                    (Set::ForAllValues, r)
                } else {
                    (Set::Single, name.as_str())
                };
                let (base, if_exists) = match rest.strip_suffix("IfExists") {
                    Some(b) if b != "Null" => (b, true),
                    _ => (rest, false),
                };
                let op = Op::parse(base).ok_or_else(|| PolicyError {
                    pointer: here.clone(),
                    message: format!("the condition operator {name:?} is not one IAM defines"),
                })?;
                let keys = keys.as_object().ok_or_else(|| PolicyError {
                    pointer: here.clone(),
                    message: "must be an object of condition keys".into(),
                })?;
                for (key, values) in keys {
                    let values = strings(values, &format!("{here}/{key}"), "a condition value")?;
                    if op == Op::IpAddress || op == Op::NotIpAddress {
                        for v in &values {
                            if parse_cidr(v).is_none() {
                                return Err(PolicyError {
                                    pointer: format!("{here}/{key}"),
                                    message: format!("{v:?} is not an IP address or CIDR range"),
                                });
                            }
                        }
                    }
                    conditions.push(Condition {
                        op,
                        if_exists,
                        set,
                        key: key.clone(),
                        values,
                    });
                }
            }
        }
        Ok(Statement {
            allow,
            principal,
            not_principal,
            actions,
            not_action,
            resources,
            not_resource,
            conditions,
        })
    }

    fn applies(&self, caller: &Subject<'_>) -> bool {
        if let Some(p) = &self.principal
            && p.matches(caller.arn) == self.not_principal
        {
            return false;
        }
        let action = self
            .actions
            .iter()
            .any(|a| wildcard(&a.to_ascii_lowercase(), "execute-api:invoke"));
        if action == self.not_action {
            return false;
        }
        let resource = self.resources.iter().any(|r| wildcard(r, caller.resource));
        if resource == self.not_resource {
            return false;
        }
        self.conditions.iter().all(|c| c.holds(caller))
    }
}

fn principals(v: &Value, at: &str) -> Result<Principals, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals::Anyone),
        Value::Object(m) => {
            let mut aws = Vec::new();
            let mut other = false;
            for (kind, ids) in m {
                let ids = strings(ids, &format!("{at}/{kind}"), "a principal")?;
                match kind.as_str() {
                    "AWS" if ids.iter().any(|i| i == "*") => return Ok(Principals::Anyone),
                    "AWS" => aws.extend(ids),
                    "Service" | "Federated" | "CanonicalUser" => other = true,
                    _ => {
                        return Err(PolicyError {
                            pointer: format!("{at}/{kind}"),
                            message: format!(
                                "{kind:?} is not a principal type (AWS, Service, Federated, CanonicalUser)"
                            ),
                        });
                    }
                }
            }
            Ok(if aws.is_empty() && other {
                Principals::Other
            } else {
                Principals::Aws(aws)
            })
        }
        _ => Err(PolicyError {
            pointer: at.to_string(),
            message: "must be \"*\" or an object such as {\"AWS\": [...]}".into(),
        }),
    }
}

impl Principals {
    fn matches(&self, arn: Option<&str>) -> bool {
        match self {
            Principals::Anyone => true,
            Principals::Other => false,
            Principals::Aws(ids) => {
                let Some(arn) = arn else { return false };
                let account = account_of(arn);
                ids.iter().any(|id| {
                    id == arn
                        || Some(id.as_str()) == account
                        || (account.is_some()
                            && id
                                .strip_prefix("arn:aws:iam::")
                                .and_then(|r| r.strip_suffix(":root"))
                                == account)
                })
            }
        }
    }
}

/// The account id of an IAM or STS ARN (`arn:aws:iam::111122223333:user/alice`).
pub(crate) fn account_of(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), _, _, _, Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!account.is_empty()).then_some(account)
}

impl Condition {
    fn holds(&self, caller: &Subject<'_>) -> bool {
        let actual = (caller.key)(&self.key);
        if self.op == Op::Null {
            // `Null: true` asks that the key be absent, `false` that it be present.
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return actual.is_none() == want_absent;
        }
        let Some(actual) = actual else {
            return self.if_exists || self.op.negated() || self.set == Set::ForAllValues;
        };
        let one = |a: &str| {
            let hit = self.values.iter().any(|w| self.op.test(a, w));
            if self.op.negated() { !hit } else { hit }
        };
        match self.set {
            Set::ForAllValues => actual.iter().all(|a| one(a)),
            Set::ForAnyValue | Set::Single => actual.iter().any(|a| one(a)),
        }
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((addr, bits))
}

fn in_cidr(ip: &str, range: &str) -> bool {
    let (Ok(ip), Some((net, bits))) = (ip.parse::<IpAddr>(), parse_cidr(range)) else {
        return false;
    };
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (ip >> shift) == (net >> shift)
}

/// IAM's wildcards: `*` any run of characters, `?` one.
pub(crate) fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The ARN as API Gateway prints it in a denial: the account masked but for its last four
/// digits (`arn:aws:execute-api:us-east-1:********9489:609x52qn26/dev/GET/weather`, as users'
/// captured 403 bodies show it).
pub(crate) fn masked(arn: &str) -> String {
    let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
    let masked;
    if parts.len() == 6 && parts[4].len() > 4 {
        let a = parts[4];
        masked = format!("{}{}", "*".repeat(a.len() - 4), &a[a.len() - 4..]);
        parts[4] = &masked;
    }
    parts.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const API: &str = "arn:aws:execute-api:us-east-1:123456789012:local";

    fn decide(policy: Value, arn: Option<&str>, resource: &str, ip: &str) -> Decision {
        let p = Policy::parse(&policy, API).expect("parses");
        let key = |k: &str| match k {
            "aws:SourceIp" => Some(vec![ip.to_string()]),
            "aws:PrincipalOrgID" => Some(vec!["o-abc".to_string()]),
            _ => None,
        };
        p.evaluate(&Subject {
            arn,
            resource,
            key: &key,
        })
    }

    #[test]
    fn wildcards_as_iam_reads_them() {
        assert!(wildcard(
            "*",
            "arn:aws:execute-api:us-east-1:1:a/prod/GET/x"
        ));
        assert!(wildcard(
            "arn:aws:execute-api:*:*:*/*/GET/*",
            "arn:aws:execute-api:us-east-1:1:a/prod/GET/x/y"
        ));
        assert!(!wildcard(
            "arn:aws:execute-api:*:*:*/*/GET/*",
            "arn:aws:execute-api:us-east-1:1:a/prod/POST/x"
        ));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
    }

    #[test]
    fn the_ip_allow_list_of_the_developer_guide() {
        let p = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
            "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}]});
        let r = format!("{API}/prod/GET/pets");
        assert_eq!(decide(p.clone(), None, &r, "192.0.2.7"), Decision::Allow);
        assert_eq!(decide(p.clone(), None, &r, "203.0.113.1"), Decision::Silent);
        assert_eq!(decide(p, None, &r, "not an ip"), Decision::Silent);
    }

    #[test]
    fn negated_operators_hold_when_the_key_is_absent() {
        // The developer guide's VPC-endpoint policy: nothing local comes through an endpoint.
        let p = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]});
        let r = format!("{API}/prod/GET/pets");
        assert_eq!(decide(p, None, &r, "127.0.0.1"), Decision::ExplicitDeny);
        let p = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "execute-api:*",
            "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}});
        assert_eq!(decide(p, None, &r, "127.0.0.1"), Decision::Silent);
    }

    #[test]
    fn principals_accounts_and_users() {
        let p = |principal: Value| {
            json!({"Statement": [{"Effect": "Allow", "Principal": principal,
                "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})
        };
        let r = format!("{API}/prod/GET/pets");
        let alice = Some("arn:aws:iam::111122223333:user/alice");
        let root = json!({"AWS": "arn:aws:iam::111122223333:root"});
        assert_eq!(
            decide(p(root.clone()), alice, &r, "1.1.1.1"),
            Decision::Allow
        );
        assert_eq!(decide(p(root), None, &r, "1.1.1.1"), Decision::Silent);
        assert_eq!(
            decide(p(json!({"AWS": ["999999999999"]})), alice, &r, "1.1.1.1"),
            Decision::Silent
        );
        assert_eq!(
            decide(p(json!({"AWS": "*"})), None, &r, "1.1.1.1"),
            Decision::Allow
        );
        assert_eq!(
            decide(
                p(json!({"Service": "lambda.amazonaws.com"})),
                alice,
                &r,
                "1.1.1.1"
            ),
            Decision::Silent
        );
    }

    #[test]
    fn not_resource_and_deny_wins() {
        let p = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "NotResource": "execute-api:/*/GET/public/*"}]});
        assert_eq!(
            decide(
                p.clone(),
                None,
                &format!("{API}/prod/GET/public/x"),
                "1.1.1.1"
            ),
            Decision::Allow
        );
        assert_eq!(
            decide(
                p.clone(),
                None,
                &format!("{API}/prod/GET/private"),
                "1.1.1.1"
            ),
            Decision::ExplicitDeny
        );
        assert_eq!(
            decide(p, None, &format!("{API}/prod/POST/public/x"), "1.1.1.1"),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn sets_numbers_and_null() {
        let r = format!("{API}/prod/GET/pets");
        let p = |cond: Value| {
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                "Resource": "*", "Condition": cond}]})
        };
        assert_eq!(
            decide(
                p(json!({"Null": {"aws:SourceVpce": "true"}})),
                None,
                &r,
                "1.1.1.1"
            ),
            Decision::Allow
        );
        assert_eq!(
            decide(
                p(json!({"Null": {"aws:SourceIp": "true"}})),
                None,
                &r,
                "1.1.1.1"
            ),
            Decision::Silent
        );
        assert_eq!(
            decide(
                p(json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgID": ["o-a*"]}})),
                None,
                &r,
                "1.1.1.1"
            ),
            Decision::Allow
        );
        assert_eq!(
            decide(
                p(json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}})),
                None,
                &r,
                "1.1.1.1"
            ),
            Decision::Allow
        );
    }

    #[test]
    fn broken_policies_name_the_place() {
        let e = Policy::parse(
            &json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                "Resource": "*", "Condition": {"StringSorta": {"k": "v"}}}]}),
            API,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/Statement/0/Condition/StringSorta");
        let e = Policy::parse(&json!({"Statement": [{"Effect": "Maybe"}]}), API).unwrap_err();
        assert_eq!(e.pointer, "/Statement/0/Effect");
        let e = Policy::parse(
            &json!({"Statement": {"Effect": "Allow", "Action": "x", "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/99"}}}}),
            API,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/Statement/Condition/IpAddress/aws:SourceIp");
        assert!(Policy::parse(&json!("{not json"), API).is_err());
        assert!(Policy::parse(&json!(r#"{"Statement": []}"#), API).is_ok());
    }

    #[test]
    fn cidr_ranges_v4_and_v6() {
        assert!(in_cidr("10.1.2.3", "10.0.0.0/8"));
        assert!(!in_cidr("11.1.2.3", "10.0.0.0/8"));
        assert!(in_cidr("10.1.2.3", "10.1.2.3"));
        assert!(in_cidr("2001:db8::1", "2001:db8::/32"));
        assert!(!in_cidr("2001:db9::1", "2001:db8::/32"));
        assert!(!in_cidr("10.1.2.3", "2001:db8::/32"));
        assert!(in_cidr("1.2.3.4", "0.0.0.0/0"));
    }

    #[test]
    fn denials_mask_the_account() {
        assert_eq!(
            masked("arn:aws:execute-api:us-east-1:123456789489:609x52qn26/dev/GET/weather"),
            "arn:aws:execute-api:us-east-1:********9489:609x52qn26/dev/GET/weather"
        );
    }
}
