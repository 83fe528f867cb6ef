//! Request shapes (DynamoDB API reference, one per action): the members each action accepts,
//! their types and constraints, checked before the action runs.

use std::collections::HashMap;

use crate::schema::{Con, Field, Ty, f};

pub(crate) const RETURN_CONSUMED: &[&str] = &["INDEXES", "TOTAL", "NONE"];

pub(crate) const RETURN_VALUES: &[&str] =
    &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];

pub(crate) const SELECT: &[&str] = &[
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
];

pub(crate) const COMPARISON: &[&str] = &[
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
];

pub(crate) fn table_name() -> Field {
    f(
        "TableName",
        Ty::Str,
        vec![Con::NotNull, Con::Regex, Con::LenGe(3), Con::LenLe(255)],
    )
}

pub(crate) fn attr_map(name: &'static str, cons: Vec<Con>) -> Field {
    f(
        name,
        Ty::Map(
            Box::new(f("member", Ty::Attr(true), vec![])),
            "com.amazonaws.dynamodb.v20120810.AttributeValue",
        ),
        cons,
    )
}

pub(crate) fn names_map() -> Field {
    f(
        "ExpressionAttributeNames",
        Ty::Map(Box::new(f("member", Ty::Str, vec![])), "java.lang.String"),
        vec![],
    )
}

pub(crate) fn string_list(name: &'static str) -> Field {
    f(
        name,
        Ty::List(Box::new(f("member", Ty::Str, vec![]))),
        vec![Con::LenGe(1), Con::LenLe(255)],
    )
}

pub(crate) fn conditions_map(name: &'static str) -> Field {
    f(
        name,
        Ty::Map(
            Box::new(f(
                "member",
                Ty::Struct(
                    vec![
                        f(
                            "AttributeValueList",
                            Ty::List(Box::new(f("member", Ty::Attr(true), vec![]))),
                            vec![],
                        ),
                        f(
                            "ComparisonOperator",
                            Ty::Str,
                            vec![Con::NotNull, Con::Enum(COMPARISON)],
                        ),
                    ],
                    "Condition",
                    true,
                ),
                vec![],
            )),
            "com.amazonaws.dynamodb.v20120810.Condition",
        ),
        vec![],
    )
}

pub(crate) fn expected_map() -> Field {
    f(
        "Expected",
        Ty::Map(
            Box::new(f(
                "member",
                Ty::Struct(
                    vec![
                        f(
                            "AttributeValueList",
                            Ty::List(Box::new(f("member", Ty::Attr(true), vec![]))),
                            vec![],
                        ),
                        f("ComparisonOperator", Ty::Str, vec![Con::Enum(COMPARISON)]),
                        f("Exists", Ty::Bool, vec![]),
                        f("Value", Ty::Attr(false), vec![]),
                    ],
                    "ExpectedAttributeValue",
                    true,
                ),
                vec![],
            )),
            "com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue",
        ),
        vec![],
    )
}

/// An index's `Projection` (API reference: `Projection`), for CreateTable and UpdateTable.
pub(crate) fn projection() -> Field {
    f(
        "Projection",
        Ty::Struct(
            vec![
                f(
                    "ProjectionType",
                    Ty::Str,
                    vec![Con::Enum(&["ALL", "INCLUDE", "KEYS_ONLY"])],
                ),
                f(
                    "NonKeyAttributes",
                    Ty::List(Box::new(f("member", Ty::Str, vec![]))),
                    vec![Con::LenGe(1), Con::LenLe(20)],
                ),
            ],
            "Projection",
            false,
        ),
        vec![Con::NotNull],
    )
}

pub(crate) fn key_schema() -> Field {
    f(
        "KeySchema",
        Ty::List(Box::new(f(
            "member",
            Ty::Struct(
                vec![
                    f("AttributeName", Ty::Str, vec![Con::NotNull]),
                    f(
                        "KeyType",
                        Ty::Str,
                        vec![Con::NotNull, Con::Enum(&["HASH", "RANGE"])],
                    ),
                ],
                "KeySchemaElement",
                true,
            ),
            vec![],
        ))),
        vec![Con::NotNull, Con::LenGe(1), Con::LenLe(2)],
    )
}

pub(crate) fn index_list(name: &'static str, class: &'static str, global: bool) -> Field {
    let mut fields = vec![
        f(
            "IndexName",
            Ty::Str,
            vec![Con::NotNull, Con::Regex, Con::LenGe(3), Con::LenLe(255)],
        ),
        key_schema(),
        projection(),
    ];
    if global {
        fields.push(throughput());
    }
    f(
        name,
        Ty::List(Box::new(f(
            "member",
            Ty::Struct(fields, class, true),
            vec![],
        ))),
        vec![],
    )
}

pub(crate) fn throughput() -> Field {
    f(
        "ProvisionedThroughput",
        Ty::Struct(
            vec![
                f(
                    "WriteCapacityUnits",
                    Ty::Long,
                    vec![Con::NotNull, Con::Ge(1)],
                ),
                f(
                    "ReadCapacityUnits",
                    Ty::Long,
                    vec![Con::NotNull, Con::Ge(1)],
                ),
            ],
            "ProvisionedThroughput",
            false,
        ),
        vec![],
    )
}

/// The supported actions (the DynamoDB API's data-plane subset plus table management).
pub(crate) const ACTIONS: &[&str] = &[
    "CreateTable",
    "DescribeTable",
    "DeleteTable",
    "ListTables",
    "PutItem",
    "GetItem",
    "DeleteItem",
    "UpdateItem",
    "Query",
    "Scan",
    "BatchWriteItem",
    "BatchGetItem",
    "TransactWriteItems",
    "TransactGetItems",
    "UpdateTable",
    "DescribeTimeToLive",
    "UpdateTimeToLive",
];

/// Input shapes, built once.
pub(crate) static ACTION_FIELDS: std::sync::LazyLock<HashMap<&'static str, Vec<Field>>> =
    std::sync::LazyLock::new(|| {
        ACTIONS
            .iter()
            .filter_map(|a| action_fields(a).map(|f| (*a, f)))
            .collect()
    });

/// The input shape of each supported action; `None` for an unknown action.
pub(crate) fn action_fields(action: &str) -> Option<Vec<Field>> {
    let rcc = || {
        f(
            "ReturnConsumedCapacity",
            Ty::Str,
            vec![Con::Enum(RETURN_CONSUMED)],
        )
    };
    let ricm = || {
        f(
            "ReturnItemCollectionMetrics",
            Ty::Str,
            vec![Con::Enum(&["SIZE", "NONE"])],
        )
    };
    let cond_op = || {
        f(
            "ConditionalOperator",
            Ty::Str,
            vec![Con::Enum(&["OR", "AND"])],
        )
    };
    let s = |n: &'static str| f(n, Ty::Str, vec![]);
    let fields = match action {
        "CreateTable" => vec![
            f(
                "AttributeDefinitions",
                Ty::List(Box::new(f(
                    "member",
                    Ty::Struct(
                        vec![
                            f("AttributeName", Ty::Str, vec![Con::NotNull]),
                            f(
                                "AttributeType",
                                Ty::Str,
                                vec![Con::NotNull, Con::Enum(&["B", "N", "S"])],
                            ),
                        ],
                        "AttributeDefinition",
                        true,
                    ),
                    vec![],
                ))),
                vec![Con::NotNull],
            ),
            f(
                "TableName",
                Ty::Str,
                vec![Con::RequiredTableName, Con::Regex],
            ),
            f(
                "BillingMode",
                Ty::Str,
                vec![Con::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
            ),
            throughput(),
            key_schema(),
            index_list("LocalSecondaryIndexes", "LocalSecondaryIndex", false),
            index_list("GlobalSecondaryIndexes", "GlobalSecondaryIndex", true),
        ],
        "DescribeTable" | "DeleteTable" => {
            vec![f(
                "TableName",
                Ty::Str,
                vec![Con::RequiredTableName, Con::Regex],
            )]
        }
        "ListTables" => vec![
            f("Limit", Ty::Int, vec![Con::Ge(1), Con::Le(100)]),
            f(
                "ExclusiveStartTableName",
                Ty::Str,
                vec![Con::Regex, Con::LenGe(3), Con::LenLe(255)],
            ),
        ],
        "PutItem" => vec![
            rcc(),
            table_name(),
            f("ReturnValues", Ty::Str, vec![Con::Enum(RETURN_VALUES)]),
            ricm(),
            attr_map("Item", vec![Con::NotNull]),
            cond_op(),
            expected_map(),
            s("ConditionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "GetItem" => vec![
            rcc(),
            string_list("AttributesToGet"),
            table_name(),
            attr_map("Key", vec![Con::NotNull]),
            f("ConsistentRead", Ty::Bool, vec![]),
            s("ProjectionExpression"),
            names_map(),
        ],
        "DeleteItem" => vec![
            rcc(),
            table_name(),
            f("ReturnValues", Ty::Str, vec![Con::Enum(RETURN_VALUES)]),
            ricm(),
            attr_map("Key", vec![Con::NotNull]),
            cond_op(),
            expected_map(),
            s("ConditionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "UpdateItem" => vec![
            rcc(),
            table_name(),
            ricm(),
            f("ReturnValues", Ty::Str, vec![Con::Enum(RETURN_VALUES)]),
            attr_map("Key", vec![Con::NotNull]),
            cond_op(),
            expected_map(),
            f(
                "AttributeUpdates",
                Ty::Map(
                    Box::new(f(
                        "member",
                        Ty::Struct(
                            vec![
                                f("Action", Ty::Str, vec![]),
                                f("Value", Ty::Attr(false), vec![]),
                            ],
                            "AttributeValueUpdate",
                            true,
                        ),
                        vec![],
                    )),
                    "com.amazonaws.dynamodb.v20120810.AttributeValueUpdate",
                ),
                vec![],
            ),
            s("ConditionExpression"),
            s("UpdateExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "Query" => vec![
            f("Select", Ty::Str, vec![Con::Enum(SELECT)]),
            f(
                "IndexName",
                Ty::Str,
                vec![Con::Regex, Con::LenGe(3), Con::LenLe(255)],
            ),
            rcc(),
            conditions_map("QueryFilter"),
            table_name(),
            cond_op(),
            string_list("AttributesToGet"),
            f("Limit", Ty::Int, vec![Con::Ge(1)]),
            conditions_map("KeyConditions"),
            attr_map("ExclusiveStartKey", vec![]),
            f("ConsistentRead", Ty::Bool, vec![]),
            f("ScanIndexForward", Ty::Bool, vec![]),
            s("KeyConditionExpression"),
            s("FilterExpression"),
            s("ProjectionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "Scan" => vec![
            f("Select", Ty::Str, vec![Con::Enum(SELECT)]),
            f(
                "IndexName",
                Ty::Str,
                vec![Con::Regex, Con::LenGe(3), Con::LenLe(255)],
            ),
            f("TotalSegments", Ty::Int, vec![Con::Ge(1)]),
            rcc(),
            table_name(),
            cond_op(),
            conditions_map("ScanFilter"),
            f("Segment", Ty::Int, vec![Con::Ge(0)]),
            f("Limit", Ty::Int, vec![Con::Ge(1)]),
            string_list("AttributesToGet"),
            attr_map("ExclusiveStartKey", vec![]),
            s("FilterExpression"),
            s("ProjectionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "BatchWriteItem" => vec![
            rcc(),
            ricm(),
            f(
                "RequestItems",
                Ty::Map(
                    Box::new(f(
                        "member",
                        Ty::List(Box::new(f(
                            "member",
                            Ty::Struct(
                                vec![
                                    f(
                                        "DeleteRequest",
                                        Ty::Struct(
                                            vec![attr_map("Key", vec![Con::NotNull])],
                                            "DeleteRequest",
                                            false,
                                        ),
                                        vec![],
                                    ),
                                    f(
                                        "PutRequest",
                                        Ty::Struct(
                                            vec![attr_map("Item", vec![Con::NotNull])],
                                            "PutRequest",
                                            false,
                                        ),
                                        vec![],
                                    ),
                                ],
                                "WriteRequest",
                                true,
                            ),
                            vec![],
                        ))),
                        vec![],
                    )),
                    "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>",
                ),
                vec![
                    Con::NotNull,
                    Con::LenGe(1),
                    Con::TableNameKeys,
                    Con::MapValuesLen(1, 25),
                ],
            ),
        ],
        "TransactWriteItems" => super::transact::write_fields(),
        "TransactGetItems" => super::transact::get_fields(),
        "UpdateTable" => super::update_table::fields(),
        "DescribeTimeToLive" | "UpdateTimeToLive" => super::ttl::fields(action),
        "BatchGetItem" => vec![
            rcc(),
            f(
                "RequestItems",
                Ty::Map(
                    Box::new(f(
                        "member",
                        Ty::Struct(
                            vec![
                                f(
                                    "Keys",
                                    Ty::List(Box::new(f("member", Ty::ParamMap, vec![]))),
                                    vec![Con::NotNull, Con::LenGe(1), Con::LenLe(100)],
                                ),
                                string_list("AttributesToGet"),
                                f("ConsistentRead", Ty::Bool, vec![]),
                                s("ProjectionExpression"),
                                names_map(),
                            ],
                            "KeysAndAttributes",
                            true,
                        ),
                        vec![],
                    )),
                    "com.amazonaws.dynamodb.v20120810.KeysAndAttributes",
                ),
                vec![Con::NotNull, Con::LenGe(1), Con::TableNameKeys],
            ),
        ],
        _ => return None,
    };
    Some(fields)
}
