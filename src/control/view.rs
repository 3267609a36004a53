//! Answers encoded once. GetWorkgroup, GetNamespace and their List operations are the reads
//! clients poll in loops; answering them by cloning a record's model view and serializing it
//! again each time was most of their cost. A [`Cached`] record keeps its whole single-resource
//! answer (`{"workgroup": ...}`) as bytes until the record is next borrowed mutably:
//! `DerefMut` drops the cache, so no change can leave it stale. A Get answers those bytes as
//! they are (no copy), and a [`Page`] joins the views sliced out of them. A test checks both
//! encode exactly as the model's typed responses do.
//!
//! [`Answer`] is how every handler's output becomes the body on the wire.

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

/// A handler's output, encoded as the JSON body of the answer.
pub trait Answer {
    fn encode(self) -> serde_json::Result<Bytes>;
}

/// The typed responses of the model.
impl<T: Serialize> Answer for T {
    fn encode(self) -> serde_json::Result<Bytes> {
        // Most answers are a few hundred bytes to a few kilobytes: start big enough for most.
        let mut body = Vec::with_capacity(4096);
        serde_json::to_writer(&mut body, &self)?;
        Ok(Bytes::from(body))
    }
}

/// An answer encoded before: a [`Cached`] record's.
pub struct Encoded(pub Bytes);

impl Answer for Encoded {
    fn encode(self) -> serde_json::Result<Bytes> {
        Ok(self.0)
    }
}

/// A record that can show itself as a model shape.
pub trait View {
    type Model: Serialize;
    /// The member a single-resource answer holds the view in.
    const MEMBER: &'static str;
    fn to_model(&self) -> Self::Model;
}

/// The record and its answer are boxed so that the maps holding records stay small and dense
/// (three words a record, of which most are never read).
pub struct Cached<R> {
    record: Box<R>,
    answer: OnceLock<Box<Bytes>>,
}

impl<R: View> Cached<R> {
    pub fn new(record: R) -> Cached<R> {
        Cached {
            record: Box::new(record),
            answer: OnceLock::new(),
        }
    }

    /// `{"<member>": <view>}`, encoded at most once per change.
    pub fn answer(&self) -> Encoded {
        let answer = self.answer.get_or_init(|| {
            let mut body = Vec::with_capacity(2048);
            body.extend_from_slice(b"{\"");
            body.extend_from_slice(R::MEMBER.as_bytes());
            body.extend_from_slice(b"\":");
            serde_json::to_writer(&mut body, &self.record.to_model())
                .expect("model shapes always serialize");
            body.push(b'}');
            Box::new(Bytes::from(body.into_boxed_slice()))
        });
        Encoded(Bytes::clone(answer))
    }

    /// The view alone: the answer without its `{"<member>":` and `}`.
    pub fn json(&self) -> Bytes {
        let Encoded(answer) = self.answer();
        answer.slice(R::MEMBER.len() + 4..answer.len() - 1)
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
        self.answer.take();
        &mut self.record
    }
}

impl<R: Clone> Clone for Cached<R> {
    fn clone(&self) -> Self {
        Cached {
            record: self.record.clone(),
            answer: OnceLock::new(),
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
            answer: OnceLock::new(),
        })
    }
}

/// `{"<member>": [<view>, ...], "nextToken": ...}`, as the List operations answer.
pub struct Page {
    pub member: &'static str,
    pub views: Vec<Bytes>,
    pub next_token: Option<String>,
}

impl Answer for Page {
    fn encode(self) -> serde_json::Result<Bytes> {
        let size = self.views.iter().map(|v| v.len() + 1).sum::<usize>()
            + self.member.len()
            + self.next_token.as_ref().map_or(0, |t| t.len() + 16)
            + 8;
        let mut body = Vec::with_capacity(size);
        body.extend_from_slice(b"{\"");
        body.extend_from_slice(self.member.as_bytes());
        body.extend_from_slice(b"\":[");
        for (i, view) in self.views.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(view);
        }
        body.push(b']');
        if let Some(token) = &self.next_token {
            body.extend_from_slice(b",\"nextToken\":");
            serde_json::to_writer(&mut body, token)?;
        }
        body.push(b'}');
        Ok(Bytes::from(body))
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
            bound_port: None,
        }
    }

    fn json(answer: impl Answer) -> serde_json::Value {
        serde_json::from_slice(&answer.encode().unwrap()).unwrap()
    }

    #[test]
    fn cached_answers_are_the_typed_answers() {
        let (a, b) = (Cached::new(record("a")), Cached::new(record("b")));
        let typed = GetWorkgroupResponse {
            workgroup: a.to_model(),
        };
        assert_eq!(json(a.answer()), json(typed));
        let typed = ListWorkgroupsResponse {
            workgroups: vec![a.to_model(), b.to_model()],
            next_token: Some("to\"ken".into()),
        };
        let page = Page {
            member: "workgroups",
            views: vec![a.json(), b.json()],
            next_token: Some("to\"ken".into()),
        };
        assert_eq!(json(page), json(typed));
        let last = Page {
            member: "workgroups",
            views: vec![],
            next_token: None,
        };
        assert_eq!(json(last), serde_json::json!({"workgroups": []}));
    }

    /// A hundred thousand of each resource are held in memory: the map's share stays small.
    #[test]
    fn a_cached_record_is_three_words() {
        assert_eq!(std::mem::size_of::<Cached<WorkgroupRecord>>(), 24);
    }

    #[test]
    fn a_mutable_borrow_drops_the_cache() {
        let mut cached = Cached::new(record("a"));
        let shown = |c: &Cached<WorkgroupRecord>| String::from_utf8(c.json().to_vec()).unwrap();
        assert!(shown(&cached).contains("CREATING"));
        cached.status.apply(Event::Settle).unwrap();
        assert!(shown(&cached).contains("AVAILABLE"));
        cached.view.port = Some(5440);
        assert!(shown(&cached).contains("5440"));
    }
}
