//! `AWS::DynamoDB::Table` and `AWS::Serverless::SimpleTable` resources as `x-dynamodb-tables`
//! entries (CreateTable's shape, see `apidef::TableDefinition`).

use apidef::error::pointer_push;
use serde_json::{Map, Value, json};

use crate::cfn::{Resolver, TABLE_TYPES};

/// The properties of `AWS::DynamoDB::Table` that `x-dynamodb-tables` carries, in CreateTable's
/// order.
const CARRIED: &[&str] = &[
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "SSESpecification",
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
    "DeletionProtectionEnabled",
    "Tags",
];

/// Every table of the template, keyed so that the placeholder its `Ref` became is its
/// `TableName` (as `x-dynamodb-tables.Albums.TableName: ${TableName}` in openapi.yaml).
pub(crate) fn tables(r: &mut Resolver) -> Map<String, Value> {
    let ids: Vec<(String, String)> =
        r.t.resources
            .iter()
            .filter_map(|(id, res)| {
                let ty = res.get("Type")?.as_str()?;
                TABLE_TYPES
                    .contains(&ty)
                    .then(|| (id.clone(), ty.to_string()))
            })
            .collect();
    let mut out = Map::new();
    for (id, ty) in ids {
        let key = r.t.table_key(&id);
        let entry = if ty == "AWS::Serverless::SimpleTable" {
            simple_table(r, &id)
        } else {
            table(r, &id)
        };
        if let Some(entry) = entry {
            r.used_resources.insert(id.clone());
            out.insert(key, Value::Object(entry));
        }
    }
    out
}

fn resource_attributes(r: &mut Resolver, id: &str) {
    let at = pointer_push("/Resources", id);
    let Some(res) = r.t.resources.get(id).and_then(Value::as_object).cloned() else {
        return;
    };
    for (k, v) in &res {
        match k.as_str() {
            "Type" | "Properties" | "Metadata" | "DependsOn" => {}
            "DeletionPolicy" | "UpdateReplacePolicy" => r.note(
                &pointer_push(&at, k),
                Some(id),
                format!(
                    "{k} {}: the stack codegen emits takes both policies from its TableDeletionPolicy parameter",
                    v.as_str().unwrap_or("?")
                ),
            ),
            "Condition" => r.note(
                &pointer_push(&at, k),
                Some(id),
                format!(
                    "Condition {}: the table is always declared",
                    v.as_str().unwrap_or("?")
                ),
            ),
            _ => r.note(&pointer_push(&at, k), Some(id), format!("{k}: not carried")),
        }
    }
}

/// The table's name: what its `Ref` became when something referred to it, else the
/// `TableName` as written (the logical id when unnamed).
fn table_name(r: &mut Resolver, id: &str, props: &Map<String, Value>) -> Option<String> {
    if let Some(e) = r.table_names.get(id) {
        return Some(e.clone());
    }
    let at = format!("{}/Properties/TableName", pointer_push("/Resources", id));
    match props.get("TableName") {
        Some(v) => match r.string(v, &at) {
            Ok(s) => Some(s),
            Err(msg) => {
                // Fall back to a parameter, as a Ref would have made.
                r.note(&at, Some(id), msg);
                r.table_ref(id).ok()
            }
        },
        None => Some(id.to_string()),
    }
}

fn table(r: &mut Resolver, id: &str) -> Option<Map<String, Value>> {
    let props = r.t.props(id).cloned().unwrap_or_default();
    let at = format!("{}/Properties", pointer_push("/Resources", id));
    let mut entry = Map::new();
    entry.insert(
        "TableName".into(),
        Value::String(table_name(r, id, &props)?),
    );
    for key in CARRIED.iter().skip(1) {
        let Some(v) = props.get(*key) else {
            continue;
        };
        let Some(v) = r.tree(v, &pointer_push(&at, key)) else {
            continue;
        };
        let v = match *key {
            // AWS::DynamoDB::Table says `SSEEnabled`, CreateTable `Enabled` (the stack codegen
            // emits turns it back).
            "SSESpecification" => rename_key(v, "SSEEnabled", "Enabled"),
            _ => v,
        };
        entry.insert(key.to_string(), v);
    }
    // CloudFormation's default billing is PROVISIONED; the project's is PAY_PER_REQUEST.
    if !entry.contains_key("BillingMode") && entry.contains_key("ProvisionedThroughput") {
        entry.insert("BillingMode".into(), json!("PROVISIONED"));
    }
    for (k, _) in props.iter() {
        if !CARRIED.contains(&k.as_str()) {
            r.note(
                &pointer_push(&at, k),
                Some(id),
                format!("{k}: x-dynamodb-tables has no such field (CreateTable's shape)"),
            );
        }
    }
    resource_attributes(r, id);
    Some(order(entry))
}

/// `AWS::Serverless::SimpleTable`: one string (or number, binary) partition key.
fn simple_table(r: &mut Resolver, id: &str) -> Option<Map<String, Value>> {
    let props = r.t.props(id).cloned().unwrap_or_default();
    let at = format!("{}/Properties", pointer_push("/Resources", id));
    let mut entry = Map::new();
    entry.insert(
        "TableName".into(),
        Value::String(table_name(r, id, &props)?),
    );
    let (name, ty) = match props.get("PrimaryKey") {
        Some(pk) => {
            let name = pk
                .get("Name")
                .and_then(|n| r.string(n, &format!("{at}/PrimaryKey/Name")).ok())
                .unwrap_or_else(|| "id".into());
            let ty = match pk.get("Type").and_then(Value::as_str).unwrap_or("String") {
                "Number" => "N",
                "Binary" => "B",
                _ => "S",
            };
            (name, ty)
        }
        None => ("id".to_string(), "S"),
    };
    entry.insert(
        "AttributeDefinitions".into(),
        json!([{"AttributeName": name, "AttributeType": ty}]),
    );
    entry.insert(
        "KeySchema".into(),
        json!([{"AttributeName": name, "KeyType": "HASH"}]),
    );
    match props.get("ProvisionedThroughput") {
        Some(p) => {
            entry.insert("BillingMode".into(), json!("PROVISIONED"));
            if let Some(p) = r.tree(p, &format!("{at}/ProvisionedThroughput")) {
                entry.insert("ProvisionedThroughput".into(), p);
            }
        }
        None => {
            entry.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
        }
    }
    if let Some(v) = props.get("SSESpecification")
        && let Some(v) = r.tree(v, &format!("{at}/SSESpecification"))
    {
        entry.insert(
            "SSESpecification".into(),
            rename_key(v, "SSEEnabled", "Enabled"),
        );
    }
    if let Some(v) = props.get("PointInTimeRecoverySpecification")
        && let Some(v) = r.tree(v, &format!("{at}/PointInTimeRecoverySpecification"))
    {
        entry.insert("PointInTimeRecoverySpecification".into(), v);
    }
    if let Some(Value::Object(tags)) = props.get("Tags") {
        let mut list = Vec::new();
        for (k, v) in tags {
            if let Some(v) = r.tree(v, &format!("{at}/Tags/{k}")) {
                list.push(json!({"Key": k, "Value": v}));
            }
        }
        entry.insert("Tags".into(), Value::Array(list));
    }
    for k in props.keys() {
        if ![
            "TableName",
            "PrimaryKey",
            "ProvisionedThroughput",
            "SSESpecification",
            "PointInTimeRecoverySpecification",
            "Tags",
        ]
        .contains(&k.as_str())
        {
            r.note(&pointer_push(&at, k), Some(id), format!("{k}: not carried"));
        }
    }
    resource_attributes(r, id);
    Some(order(entry))
}

fn rename_key(v: Value, from: &str, to: &str) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, x)| {
                    if k == from {
                        (to.to_string(), x)
                    } else {
                        (k, x)
                    }
                })
                .collect(),
        ),
        other => other,
    }
}

/// CreateTable's field order.
fn order(entry: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for k in CARRIED {
        if let Some(v) = entry.get(*k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    out
}
