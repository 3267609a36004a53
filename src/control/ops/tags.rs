//! TagResource, UntagResource and ListTagsForResource, by ARN, for every taggable resource.

use crate::control::error::{ApiError, ApiResult};
use crate::control::store::{Ctx, Partition, ReadCtx};
use crate::model::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, Tag, TagResourceRequest,
    TagResourceResponse, UntagResourceRequest, UntagResourceResponse,
};
use std::collections::BTreeMap;

/// AWS's limit of tags on one resource.
pub const MAX_TAGS: usize = 200;

/// Gives a new resource its tags (already checked against the list's size by validation).
pub fn attach(state: &mut Partition, arn: &str, tags: Option<Vec<Tag>>) {
    let set = tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    state.tags.insert(arn.to_string(), set);
}

pub fn detach(state: &mut Partition, arn: &str) {
    state.tags.remove(arn);
}

fn tags_of<'a>(ctx: &'a mut Ctx, arn: &str) -> ApiResult<&'a mut BTreeMap<String, String>> {
    ctx.state
        .tags
        .get_mut(arn)
        .ok_or_else(|| ApiError::arn_not_found(arn))
}

pub fn tag(ctx: &mut Ctx, req: TagResourceRequest) -> ApiResult<TagResourceResponse> {
    let set = tags_of(ctx, &req.resource_arn)?;
    let mut merged = set.clone();
    merged.extend(req.tags.into_iter().map(|t| (t.key, t.value)));
    if merged.len() > MAX_TAGS {
        return Err(ApiError::too_many_tags(&req.resource_arn, MAX_TAGS));
    }
    *set = merged;
    Ok(TagResourceResponse {})
}

pub fn untag(ctx: &mut Ctx, req: UntagResourceRequest) -> ApiResult<UntagResourceResponse> {
    let set = tags_of(ctx, &req.resource_arn)?;
    for key in &req.tag_keys {
        set.remove(key);
    }
    Ok(UntagResourceResponse {})
}

pub fn list(
    ctx: &mut ReadCtx,
    req: ListTagsForResourceRequest,
) -> ApiResult<ListTagsForResourceResponse> {
    let set = ctx
        .state
        .tags
        .get(&req.resource_arn)
        .ok_or_else(|| ApiError::arn_not_found(&req.resource_arn))?;
    let tags = set
        .iter()
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    Ok(ListTagsForResourceResponse { tags: Some(tags) })
}
