//! Reservations: a fixed catalogue of offerings (GetReservationOffering,
//! ListReservationOfferings), and reservations bought from them (CreateReservation,
//! GetReservation, ListReservations). CreateReservation is idempotent on its client token.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::pagination::page;
use crate::control::store::{Ctx, ReadCtx};
use crate::model::*;
use chrono::Duration;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One year, the term of every offering, in seconds.
const TERM_SECONDS: i32 = 31_536_000;

/// The catalogue: one offering per payment option, priced per RPU.
static OFFERINGS: LazyLock<BTreeMap<String, ReservationOffering>> = LazyLock::new(|| {
    [
        (
            "3b8c6a1e-5f2d-4c7a-9e1b-0a2f4d6c8e01",
            OfferingType::AllUpfront,
            0.0,
            2628.0,
        ),
        (
            "3b8c6a1e-5f2d-4c7a-9e1b-0a2f4d6c8e02",
            OfferingType::NoUpfront,
            0.3,
            0.0,
        ),
    ]
    .into_iter()
    .map(|(id, offering_type, hourly, upfront)| {
        let offering = ReservationOffering {
            offering_id: Some(id.to_string()),
            offering_type: Some(offering_type),
            duration: Some(TERM_SECONDS),
            hourly_charge: Some(hourly),
            upfront_charge: Some(upfront),
            currency_code: Some("USD".into()),
        };
        (id.to_string(), offering)
    })
    .collect()
});

fn offering(id: &str) -> ApiResult<&'static ReservationOffering> {
    OFFERINGS
        .get(id)
        .ok_or_else(|| ApiError::not_found(ResourceKind::ReservationOffering, id))
}

pub fn get_offering(
    _ctx: &mut ReadCtx,
    req: GetReservationOfferingRequest,
) -> ApiResult<GetReservationOfferingResponse> {
    Ok(GetReservationOfferingResponse {
        reservation_offering: offering(&req.offering_id)?.clone(),
    })
}

pub fn list_offerings(
    _ctx: &mut ReadCtx,
    req: ListReservationOfferingsRequest,
) -> ApiResult<ListReservationOfferingsResponse> {
    let page = page(
        &OFFERINGS,
        Operation::ListReservationOfferings,
        req.next_token.as_deref(),
        req.max_results,
        |_| true,
    )?;
    Ok(ListReservationOfferingsResponse {
        reservation_offerings_list: page.items.into_iter().cloned().collect(),
        next_token: page.next_token,
    })
}

/// Emulates CreateReservation: capacity in RPUs, in steps of 8. A repeated client token
/// answers the reservation it first created, if the request is the same.
pub fn create(
    ctx: &mut Ctx,
    req: CreateReservationRequest,
) -> ApiResult<CreateReservationResponse> {
    let offer = offering(&req.offering_id)?.clone();
    if req.capacity < 8 || req.capacity % 8 != 0 {
        return Err(ApiError::validation(format!(
            "capacity {} is not valid: reserve a multiple of 8 RPUs, at least 8.",
            req.capacity
        )));
    }
    if let Some(token) = &req.client_token {
        if let Some(existing) = ctx
            .state
            .reservation_tokens
            .get(token)
            .and_then(|id| ctx.state.reservations.get(id))
        {
            let same = existing.capacity == Some(req.capacity)
                && existing.offering.as_ref() == Some(&offer);
            return if same {
                Ok(CreateReservationResponse {
                    reservation: Some(existing.clone()),
                })
            } else {
                Err(ApiError::conflict(format!(
                    "clientToken '{token}' was already used for a different reservation."
                )))
            };
        }
    }
    let id = ctx.rng.uuid();
    let reservation = Reservation {
        reservation_id: Some(id.clone()),
        reservation_arn: Some(ctx.scope.arn(&format!("reservation/{id}"))),
        capacity: Some(req.capacity),
        start_date: Some(IsoTime(ctx.now)),
        end_date: Some(IsoTime(ctx.now + Duration::seconds(TERM_SECONDS.into()))),
        offering: Some(offer),
        status: Some("ACTIVE".into()),
    };
    if let Some(token) = req.client_token {
        ctx.state.reservation_tokens.insert(token, id.clone());
    }
    ctx.state.reservations.insert(id, reservation.clone());
    Ok(CreateReservationResponse {
        reservation: Some(reservation),
    })
}

pub fn get(ctx: &mut ReadCtx, req: GetReservationRequest) -> ApiResult<GetReservationResponse> {
    let reservation =
        ResourceKind::Reservation.lookup(&ctx.state.reservations, &req.reservation_id)?;
    Ok(GetReservationResponse {
        reservation: reservation.clone(),
    })
}

pub fn list(
    ctx: &mut ReadCtx,
    req: ListReservationsRequest,
) -> ApiResult<ListReservationsResponse> {
    let page = page(
        &ctx.state.reservations,
        Operation::ListReservations,
        req.next_token.as_deref(),
        req.max_results,
        |_| true,
    )?;
    Ok(ListReservationsResponse {
        reservations_list: page.items.into_iter().cloned().collect(),
        next_token: page.next_token,
    })
}
