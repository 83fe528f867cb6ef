//! What the store holds: tables with their key schema and description, their items (each stored
//! with its reply JSON and sizes), and secondary indexes kept up to date on every write.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::keys::{key_bytes, storage_key};
use crate::util::md5;
use crate::value::{Item, ScalarType, item_size, page_size, write_item_json};

#[derive(Debug, Clone)]
pub(crate) struct KeyDef {
    pub(crate) name: String,
    pub(crate) ty: ScalarType,
}

/// One stored item with what every read of it needs, computed once when it is written: its reply
/// JSON (the bytes `item_to_json` serialises to), its size (capacity units, `TableSizeBytes`) and
/// what it counts towards the 1 MB page of a Query or Scan.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) item: Item,
    pub(crate) json: Box<[u8]>,
    pub(crate) size: usize,
    pub(crate) page: usize,
}

impl Stored {
    pub(crate) fn new(item: Item, range_key: Option<&str>) -> Stored {
        let mut json = Vec::with_capacity(64);
        write_item_json(&mut json, &item);
        Stored {
            size: item_size(&item),
            page: page_size(&item, range_key),
            json: json.into_boxed_slice(),
            item,
        }
    }
}

/// A table's items keyed by storage key (see `storage_key`), so that a page that starts at an
/// `ExclusiveStartKey` is a range lookup.
#[derive(Debug, Clone, Default)]
pub(crate) struct Items {
    pub(crate) map: BTreeMap<String, Stored>,
    /// The table's sort key name: `page_size` counts it apart.
    pub(crate) range_key: Option<String>,
    /// Sum of the items' sizes (`TableSizeBytes`).
    pub(crate) total_size: usize,
}

impl Items {
    pub(crate) fn new(range_key: Option<String>) -> Items {
        Items {
            range_key,
            ..Items::default()
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Item> {
        self.map.get(key).map(|s| &s.item)
    }

    pub(crate) fn get_stored(&self, key: &str) -> Option<&Stored> {
        self.map.get(key)
    }

    pub(crate) fn insert(&mut self, key: String, item: Item) {
        let stored = Stored::new(item, self.range_key.as_deref());
        self.total_size += stored.size;
        if let Some(old) = self.map.insert(key, stored) {
            self.total_size -= old.size;
        }
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Item> {
        let old = self.map.remove(key)?;
        self.total_size -= old.size;
        Some(old.item)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) description: Map<String, Value>,
    pub(crate) hash: KeyDef,
    pub(crate) range: Option<KeyDef>,
    /// Items in the order a DynamoDB-compatible server scans them (see `storage_key`).
    pub(crate) items: Items,
    /// Local and global secondary indexes.
    pub(crate) indexes: Vec<Index>,
    /// The TTL attribute while Time to Live is enabled (see `ttl`).
    pub(crate) ttl: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Index {
    pub(crate) name: String,
    pub(crate) global: bool,
    pub(crate) hash: KeyDef,
    pub(crate) range: Option<KeyDef>,
    /// `None` for `ALL`, else the projected non-key attributes (empty for `KEYS_ONLY`).
    pub(crate) projection: Option<Vec<String>>,
    /// What the index holds, by index key (see `Table::index_key`), kept up to date on every
    /// write so that a Query or Scan page of an index is a range lookup too.
    pub(crate) entries: BTreeMap<String, IndexEntry>,
}

/// One item in an index: its projection, and where the whole item is in the table.
#[derive(Debug, Clone)]
pub(crate) struct IndexEntry {
    pub(crate) table_key: String,
    pub(crate) stored: Stored,
}

impl Index {
    pub(crate) fn key_names(&self) -> Vec<String> {
        let mut v = vec![self.hash.name.clone()];
        if let Some(r) = &self.range {
            v.push(r.name.clone());
        }
        v
    }
}

impl Table {
    /// Store `item` under `key` (replacing what was there), in the table and its indexes.
    pub(crate) fn put(&mut self, key: String, item: Item) {
        self.unindex(&key);
        if !self.indexes.is_empty() {
            let range_key = self.range.as_ref().map(|r| r.name.as_str());
            let mut adds = Vec::new();
            for (i, idx) in self.indexes.iter().enumerate() {
                if let Some(k) = self.index_key(idx, &item) {
                    let stored = Stored::new(self.index_projection(idx, &item), range_key);
                    adds.push((i, k, stored));
                }
            }
            for (i, k, stored) in adds {
                let entry = IndexEntry {
                    table_key: key.clone(),
                    stored,
                };
                self.indexes[i].entries.insert(k, entry);
            }
        }
        self.items.insert(key, item);
    }

    /// Remove the item under `key` from the table and its indexes.
    pub(crate) fn delete(&mut self, key: &str) -> Option<Item> {
        self.unindex(key);
        self.items.remove(key)
    }

    pub(crate) fn unindex(&mut self, key: &str) {
        if self.indexes.is_empty() {
            return;
        }
        let Some(old) = self.items.get(key) else {
            return;
        };
        let keys: Vec<(usize, String)> = self
            .indexes
            .iter()
            .enumerate()
            .filter_map(|(i, idx)| self.index_key(idx, old).map(|k| (i, k)))
            .collect();
        for (i, k) in keys {
            self.indexes[i].entries.remove(&k);
        }
    }

    pub(crate) fn key_names(&self) -> Vec<String> {
        let mut v = vec![self.hash.name.clone()];
        if let Some(r) = &self.range {
            v.push(r.name.clone());
        }
        v
    }

    pub(crate) fn storage_key(&self, item: &Item) -> String {
        let h = item.get(&self.hash.name);
        let r = self.range.as_ref().and_then(|r| item.get(&r.name));
        storage_key(h, r)
    }

    /// The key of an item in an index: the index key's storage key, then a hash of the table key
    /// (so equal index keys keep a stable order). `None` when the item is not in the index.
    pub(crate) fn index_key(&self, idx: &Index, item: &Item) -> Option<String> {
        let h = item.get(&idx.hash.name)?;
        if h.scalar_type() != Some(idx.hash.ty) {
            return None;
        }
        let r = match &idx.range {
            Some(r) => {
                let v = item.get(&r.name)?;
                if v.scalar_type() != Some(r.ty) {
                    return None;
                }
                Some(v)
            }
            None => None,
        };
        let mut key = storage_key(Some(h), r);
        let mut data = b"Outliers".to_vec();
        if let Some(th) = item.get(&self.hash.name) {
            data.extend(key_bytes(th));
        }
        if let Some(tr) = self.range.as_ref().and_then(|r| item.get(&r.name)) {
            data.extend(key_bytes(tr));
        }
        key.push_str(&hex::encode(&md5(&data)[..3]));
        Some(key)
    }

    /// What an index holds of an item: everything for `ALL`, else the index and table keys and
    /// the projected attributes.
    pub(crate) fn index_projection(&self, idx: &Index, item: &Item) -> Item {
        let Some(extra) = &idx.projection else {
            return item.clone();
        };
        let mut out = Item::new();
        for n in idx
            .key_names()
            .iter()
            .chain(self.key_names().iter())
            .chain(extra.iter())
        {
            if let Some(v) = item.get(n) {
                out.insert(n.clone(), v.clone());
            }
        }
        out
    }

    pub(crate) fn name(&self) -> String {
        self.description
            .get("TableName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    pub(crate) fn find_index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    pub(crate) fn key_of(&self, item: &Item) -> Item {
        let mut k = Item::new();
        for n in self.key_names() {
            if let Some(v) = item.get(&n) {
                k.insert(n, v.clone());
            }
        }
        k
    }

    pub(crate) fn describe(&self, status: &str) -> Value {
        let mut d = self.description.clone();
        d.insert("TableStatus".to_string(), json!(status));
        if let Some(Value::Array(g)) = d.get_mut("GlobalSecondaryIndexes") {
            for e in g.iter_mut() {
                if let Some(m) = e.as_object_mut() {
                    m.insert(
                        "IndexStatus".to_string(),
                        json!(if status == "CREATING" {
                            "CREATING"
                        } else {
                            "ACTIVE"
                        }),
                    );
                }
            }
        }
        d.insert("ItemCount".to_string(), json!(self.items.len()));
        d.insert("TableSizeBytes".to_string(), json!(self.items.total_size));
        Value::Object(d)
    }
}
