//! Tracks: the release channels a workgroup follows. GetTrack and ListTracks; the workgroup
//! family checks `trackName` against [`TRACKS`].

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::pagination::page;
use crate::control::store::ReadCtx;
use crate::model::*;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Each track with the workgroup version it runs.
pub const TRACKS: [(&str, &str); 2] = [("current", "1.0.104411"), ("trailing", "1.0.99270")];

/// The version a track runs; refuses names that are not tracks.
pub fn version_of(track: &str) -> ApiResult<&'static str> {
    TRACKS
        .iter()
        .find(|(name, _)| *name == track)
        .map(|(_, version)| *version)
        .ok_or_else(|| {
            ApiError::validation(format!(
                "trackName '{track}' is not valid: valid tracks are current and trailing."
            ))
        })
}

/// A track, with every other track as an update target.
fn describe(name: &str, version: &str) -> ServerlessTrack {
    ServerlessTrack {
        track_name: Some(name.to_string()),
        workgroup_version: Some(version.to_string()),
        update_targets: Some(
            TRACKS
                .iter()
                .filter(|(other, _)| *other != name)
                .map(|(other, v)| UpdateTarget {
                    track_name: Some(other.to_string()),
                    workgroup_version: Some(v.to_string()),
                })
                .collect(),
        ),
    }
}

static CATALOGUE: LazyLock<BTreeMap<String, ServerlessTrack>> = LazyLock::new(|| {
    TRACKS
        .iter()
        .map(|(name, version)| (name.to_string(), describe(name, version)))
        .collect()
});

pub fn get(_ctx: &mut ReadCtx, req: GetTrackRequest) -> ApiResult<GetTrackResponse> {
    let track = CATALOGUE
        .get(&req.track_name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(ResourceKind::Track, &req.track_name))?;
    Ok(GetTrackResponse { track: Some(track) })
}

pub fn list(_ctx: &mut ReadCtx, req: ListTracksRequest) -> ApiResult<ListTracksResponse> {
    let page = page(
        &CATALOGUE,
        Operation::ListTracks,
        req.next_token.as_deref(),
        req.max_results,
        |_| true,
    )?;
    Ok(ListTracksResponse {
        tracks: Some(page.items.into_iter().cloned().collect()),
        next_token: page.next_token,
    })
}
