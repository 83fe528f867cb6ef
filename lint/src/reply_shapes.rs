//! What a successful DynamoDB call returns, per action and per the request's `ReturnValues`
//! (or `Select`): which top-level members every such reply has and which only some replies have.
//! The one table [`SHAPES`] drives the replies the lint renders success response templates with,
//! so a template is held to exactly the replies DynamoDB can give: reading `Attributes` after an
//! `UpdateItem` with `ReturnValues: ALL_NEW` is fine, after a `PutItem` it is not.
//!
//! Each row cites the "Response Elements" section of the action's page in the Amazon DynamoDB
//! API Reference (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/>).

/// A top-level member of a reply, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Member {
    /// `Item`: the item read.
    Item,
    /// `Attributes`: the whole item as it was before the call.
    OldItem,
    /// `Attributes`: the attributes the update changed, as they were before.
    UpdatedOld,
    /// `Attributes`: the whole item after the update.
    NewItem,
    /// `Attributes`: the attributes the update changed, as they are after it.
    UpdatedNew,
    /// `Items` (with any number of items).
    Items,
    /// `Count` and `ScannedCount`.
    Counts,
    /// `LastEvaluatedKey`: the key of the last item of a page that is not the last one.
    LastEvaluatedKey,
    /// `Responses` of BatchGetItem (a map of table names to lists of items).
    BatchResponses,
    /// `UnprocessedKeys` of BatchGetItem (a map, empty when everything was read).
    UnprocessedKeys,
    /// `UnprocessedItems` of BatchWriteItem (a map, empty when everything was written).
    UnprocessedItems,
    /// `Responses` of TransactGetItems (a list of `{"Item": ...}`).
    TransactResponses,
}

/// One row: for `action` called with `when` (the request's `ReturnValues`, or `Select` for
/// Query and Scan; `*`: any), the members every successful reply has and those some have.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub action: &'static str,
    pub when: &'static str,
    pub always: &'static [Member],
    pub sometimes: &'static [Member],
}

use Member::*;

pub(super) const SHAPES: &[Shape] = &[
    // API_GetItem: "If there is no matching item, GetItem does not return any data and there will
    // be no Item element in the response."
    Shape {
        action: "GetItem",
        when: "*",
        always: &[],
        sometimes: &[Item],
    },
    // API_PutItem, Attributes: "The attribute values as they appeared before the PutItem
    // operation, but only if ReturnValues is specified as ALL_OLD in the request" (and only when
    // an item was replaced). ReturnValues defaults to NONE; PutItem accepts only NONE and ALL_OLD.
    Shape {
        action: "PutItem",
        when: "NONE",
        always: &[],
        sometimes: &[],
    },
    Shape {
        action: "PutItem",
        when: "ALL_OLD",
        always: &[],
        sometimes: &[OldItem],
    },
    // API_UpdateItem, Attributes: "A map of attribute values as they appear before or after the
    // UpdateItem operation, as determined by the ReturnValues parameter. The Attributes map is
    // only present if the update was successful and ReturnValues was specified as something
    // other than NONE in the request." UpdateItem creates a missing item, so ALL_OLD and
    // UPDATED_OLD have nothing to return for a new one; ALL_NEW and UPDATED_NEW always have the
    // item's key or the updated attributes.
    Shape {
        action: "UpdateItem",
        when: "NONE",
        always: &[],
        sometimes: &[],
    },
    Shape {
        action: "UpdateItem",
        when: "ALL_OLD",
        always: &[],
        sometimes: &[OldItem],
    },
    Shape {
        action: "UpdateItem",
        when: "UPDATED_OLD",
        always: &[],
        sometimes: &[UpdatedOld],
    },
    Shape {
        action: "UpdateItem",
        when: "ALL_NEW",
        always: &[NewItem],
        sometimes: &[],
    },
    Shape {
        action: "UpdateItem",
        when: "UPDATED_NEW",
        always: &[UpdatedNew],
        sometimes: &[],
    },
    // API_DeleteItem, Attributes: "A map of attribute names to AttributeValue objects,
    // representing the item as it appeared before the DeleteItem operation. This map appears in
    // the response only if ReturnValues was specified as ALL_OLD in the request" (and an item
    // was deleted). DeleteItem accepts only NONE and ALL_OLD.
    Shape {
        action: "DeleteItem",
        when: "NONE",
        always: &[],
        sometimes: &[],
    },
    Shape {
        action: "DeleteItem",
        when: "ALL_OLD",
        always: &[],
        sometimes: &[OldItem],
    },
    // API_Query and API_Scan: Count, Items and ScannedCount describe the page (Items may be
    // empty); "If LastEvaluatedKey is empty, then the 'last page' of results has been processed
    // and there is no more data to be retrieved." With `Select: COUNT` DynamoDB "returns the
    // number of matching items, rather than the matching items themselves": no Items.
    Shape {
        action: "Query",
        when: "COUNT",
        always: &[Counts],
        sometimes: &[LastEvaluatedKey],
    },
    Shape {
        action: "Query",
        when: "*",
        always: &[Items, Counts],
        sometimes: &[LastEvaluatedKey],
    },
    Shape {
        action: "Scan",
        when: "COUNT",
        always: &[Counts],
        sometimes: &[LastEvaluatedKey],
    },
    Shape {
        action: "Scan",
        when: "*",
        always: &[Items, Counts],
        sometimes: &[LastEvaluatedKey],
    },
    // API_BatchGetItem: Responses ("A map of table name or table ARN to a list of items") and
    // UnprocessedKeys ("If there are no unprocessed keys remaining, the response contains an
    // empty UnprocessedKeys map").
    Shape {
        action: "BatchGetItem",
        when: "*",
        always: &[BatchResponses, UnprocessedKeys],
        sometimes: &[],
    },
    // API_BatchWriteItem: UnprocessedItems ("If all requested items were processed, the
    // response contains an empty UnprocessedItems map" is how the element is described).
    Shape {
        action: "BatchWriteItem",
        when: "*",
        always: &[UnprocessedItems],
        sometimes: &[],
    },
    // API_TransactGetItems: Responses, "An ordered array of up to 100 ItemResponse objects";
    // an ItemResponse has no Item when the item does not exist.
    Shape {
        action: "TransactGetItems",
        when: "*",
        always: &[TransactResponses],
        sometimes: &[],
    },
    // API_TransactWriteItems: only ConsumedCapacity and ItemCollectionMetrics, when asked for.
    Shape {
        action: "TransactWriteItems",
        when: "*",
        always: &[],
        sometimes: &[],
    },
];

/// The shape of a reply of `action` for a request that said `when` (`None`: the request does
/// not say, so DynamoDB's default: `NONE`, or all attributes for Query and Scan). `None` for an
/// action this table does not describe.
pub(super) fn shape(action: &str, when: Option<&str>) -> Option<&'static Shape> {
    let when = when.unwrap_or("NONE");
    SHAPES
        .iter()
        .find(|s| s.action == action && s.when == when)
        .or_else(|| SHAPES.iter().find(|s| s.action == action && s.when == "*"))
        .or_else(|| {
            // An unknown ReturnValues is refused by DynamoDB (a 400, not a success): use the
            // widest row so nothing is missed.
            SHAPES
                .iter()
                .filter(|s| s.action == action)
                .max_by_key(|s| s.always.len() + s.sometimes.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_lookups() {
        assert!(shape("PutItem", None).is_some_and(|s| s.sometimes.is_empty()));
        assert!(shape("UpdateItem", Some("ALL_NEW")).is_some_and(|s| s.always == [NewItem]));
        assert!(shape("Query", None).is_some_and(|s| s.always.contains(&Items)));
        assert!(shape("Query", Some("COUNT")).is_some_and(|s| !s.always.contains(&Items)));
        assert!(shape("GetItem", Some("ALL_OLD")).is_some_and(|s| s.sometimes == [Item]));
        assert!(shape("DescribeTable", None).is_none());
    }
}
