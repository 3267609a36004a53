//! Cached JSON views. GetWorkgroup, GetNamespace and their List operations are the reads
//! clients poll in loops; answering them by cloning a record's model view and serializing it
//! again each time was most of their cost. A [`Cached`] record keeps its view's JSON until the
//! record is next borrowed mutably: `DerefMut` drops the cache, so no change can leave it stale.
//! [`One`] and [`Page`] assemble answers from those views; a test checks they serialize
//! exactly as the model's typed responses do.

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

/// A record that can show itself as a model shape.
pub trait View {
    type Model: Serialize;
    fn to_model(&self) -> Self::Model;
}

/// The record is boxed so that the maps holding records stay small and dense.
pub struct Cached<R> {
    record: Box<R>,
    json: OnceLock<Arc<RawValue>>,
}

impl<R: View> Cached<R> {
    pub fn new(record: R) -> Cached<R> {
        Cached {
            record: Box::new(record),
            json: OnceLock::new(),
        }
    }

    /// The record's model view as JSON, serialized at most once per change.
    pub fn json(&self) -> Arc<RawValue> {
        self.json
            .get_or_init(|| {
                let raw = serde_json::value::to_raw_value(&self.record.to_model())
                    .expect("model shapes always serialize");
                Arc::from(raw)
            })
            .clone()
    }
}

impl<R> Deref for Cached<R> {
    type Target = R;
    fn deref(&self) -> &R {
        &self.record
    }
}

impl<R> DerefMut for Cached<R> {
    fn deref_mut(&mut self) -> &mut R {
        self.json.take();
        &mut self.record
    }
}

impl<R: Clone> Clone for Cached<R> {
    fn clone(&self) -> Self {
        Cached {
            record: self.record.clone(),
            json: OnceLock::new(),
        }
    }
}

impl<R: std::fmt::Debug> std::fmt::Debug for Cached<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.record.fmt(f)
    }
}

impl<R: Serialize> Serialize for Cached<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.record.serialize(s)
    }
}

impl<'de, R: Deserialize<'de>> Deserialize<'de> for Cached<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        R::deserialize(d).map(|record| Cached {
            record: Box::new(record),
            json: OnceLock::new(),
        })
    }
}

/// `{"<member>": <view>}`, as GetWorkgroup and GetNamespace answer.
pub struct One {
    pub member: &'static str,
    pub view: Arc<RawValue>,
}

impl Serialize for One {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.member, &*self.view)?;
        map.end()
    }
}

/// `{"<member>": [<view>, ...], "nextToken": ...}`, as the List operations answer.
pub struct Page {
    pub member: &'static str,
    pub views: Vec<Arc<RawValue>>,
    pub next_token: Option<String>,
}

impl Serialize for Page {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        let views: Vec<&RawValue> = self.views.iter().map(|v| &**v).collect();
        map.serialize_entry(self.member, &views)?;
        if let Some(token) = &self.next_token {
            map.serialize_entry("nextToken", token)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::lifecycle::{Event, Status};
    use crate::control::store::WorkgroupRecord;
    use crate::model::{GetWorkgroupResponse, ListWorkgroupsResponse, Workgroup, WorkgroupStatus};

    fn record(name: &str) -> WorkgroupRecord {
        WorkgroupRecord {
            view: Workgroup {
                workgroup_name: Some(name.into()),
                port: Some(5439),
                subnet_ids: Some(vec!["subnet-1".into()]),
                ..Workgroup::default()
            },
            status: Status::initial(WorkgroupStatus::Creating),
        }
    }

    fn json<T: Serialize>(value: &T) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn cached_answers_are_the_typed_answers() {
        let (a, b) = (Cached::new(record("a")), Cached::new(record("b")));
        let typed = GetWorkgroupResponse {
            workgroup: a.to_model(),
        };
        assert_eq!(
            json(&One {
                member: "workgroup",
                view: a.json()
            }),
            json(&typed)
        );
        let typed = ListWorkgroupsResponse {
            workgroups: vec![a.to_model(), b.to_model()],
            next_token: Some("token".into()),
        };
        let page = Page {
            member: "workgroups",
            views: vec![a.json(), b.json()],
            next_token: Some("token".into()),
        };
        assert_eq!(json(&page), json(&typed));
        let last = Page {
            member: "workgroups",
            views: vec![],
            next_token: None,
        };
        assert_eq!(json(&last), serde_json::json!({"workgroups": []}));
    }

    #[test]
    fn a_mutable_borrow_drops_the_cache() {
        let mut cached = Cached::new(record("a"));
        assert!(cached.json().get().contains("CREATING"));
        cached.status.apply(Event::Settle).unwrap();
        assert!(cached.json().get().contains("AVAILABLE"));
        cached.view.port = Some(5440);
        assert!(cached.json().get().contains("5440"));
    }
}
