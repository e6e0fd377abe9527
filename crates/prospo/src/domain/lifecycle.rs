//! A meeting's lifecycle: its states as types, and the one pure function that moves them.
//!
//! Every change of a meeting's state, whoever causes it (an invitee, the host, the Zoom worker, a
//! Zoom webhook, a disconnect), is an [`Event`] given to [`apply`], which answers the next state or
//! why the event does not apply to this state ([`Refused`]). The store reads the state, applies the
//! event and writes the result back in one transaction guarded by the row's version, so two changes
//! that race are applied one after the other, never mixed. Whether a meeting has Zoom work queued is
//! a function of its state ([`ZoomState::needs_work`]), so work cannot be lost or left behind.

pub use super::text_forms::UnknownValue;
use super::text_forms::text_forms;

/// Whether the meeting takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingStatus {
    Scheduled,
    Cancelled,
}

/// The Zoom side as the host and the API see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoomStatus {
    /// Not a Zoom meeting.
    None,
    /// The Zoom meeting is being created (or its create waits).
    Pending,
    Created,
    /// The Zoom work stopped and waits for the host's Retry.
    Failed,
    /// The Zoom meeting is gone: deleted by Prospo (a cancel), or in Zoom itself.
    Deleted,
}

/// What the Zoom worker still owes Zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingChange {
    Create,
    Update,
    Delete,
}

/// The write-back of the meeting into the host's calendar (product.md §7); `None` until a host
/// has a calendar to write into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarStatus {
    None,
    Pending,
    Written,
    Failed,
}

/// Why a meeting's Zoom work waits or stopped, as its error code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoomProblemCode {
    /// Waits: the host's connection needs attention.
    ConnectionNeedsAttention,
    /// Waits: Zoom's daily create/update cap is used up until 00:00 UTC.
    DailyLimit,
    /// Waits: a delete of a meeting that is in progress.
    MeetingInProgress,
    /// Stopped: Zoom was disconnected before the change reached it.
    ZoomDisconnected,
    /// Stopped: a create's answer was lost and Zoom cannot be asked whether it happened.
    ZoomUnconfirmed,
    /// Stopped: Zoom refused the change.
    ZoomError,
    /// The Zoom meeting was deleted in Zoom itself; Prospo does not make another one.
    DeletedInZoom,
}

impl ZoomProblemCode {
    /// Work with this problem waits for the host's Retry (its job is failed until then).
    pub fn stops_work(self) -> bool {
        matches!(
            self,
            ZoomProblemCode::ZoomDisconnected | ZoomProblemCode::ZoomUnconfirmed | ZoomProblemCode::ZoomError
        )
    }

    /// Work with this problem goes on by itself (its job keeps running).
    pub fn is_wait(self) -> bool {
        matches!(
            self,
            ZoomProblemCode::ConnectionNeedsAttention
                | ZoomProblemCode::DailyLimit
                | ZoomProblemCode::MeetingInProgress
        )
    }
}

/// A problem with its text for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoomProblem {
    pub code: ZoomProblemCode,
    pub message: String,
}

/// The Zoom side of a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoomState {
    pub status: ZoomStatus,
    pub pending: Option<PendingChange>,
    /// Zoom's id once Zoom created the meeting (or Prospo found it as its own).
    pub meeting_id: Option<i64>,
    /// A create was sent and its answer not seen: Zoom may hold a meeting whose id Prospo lacks.
    pub create_unconfirmed: bool,
    /// Work held until then (unix ms): Zoom's daily cap.
    pub held_until: Option<i64>,
    pub problem: Option<ZoomProblem>,
}

impl ZoomState {
    fn none() -> ZoomState {
        ZoomState {
            status: ZoomStatus::None,
            pending: None,
            meeting_id: None,
            create_unconfirmed: false,
            held_until: None,
            problem: None,
        }
    }

    /// Whether the Zoom worker has work to do for this meeting on its own (a job is queued).
    pub fn needs_work(&self) -> bool {
        self.pending.is_some() && !self.problem.as_ref().is_some_and(|p| p.code.stops_work())
    }

    /// Whether the work stopped and waits for the host's Retry.
    pub fn awaits_retry(&self) -> bool {
        self.pending.is_some() && self.problem.as_ref().is_some_and(|p| p.code.stops_work())
    }

    /// Zoom may hold a meeting for this one (known, or created without a confirmed answer).
    pub fn may_exist_in_zoom(&self) -> bool {
        self.status != ZoomStatus::Deleted && (self.meeting_id.is_some() || self.create_unconfirmed)
    }
}

/// Everything about a meeting that changes through its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingState {
    pub status: MeetingStatus,
    /// The invitation's SEQUENCE: rises with every change its invitees are told about.
    pub sequence: i64,
    pub zoom: ZoomState,
    pub calendar: CalendarStatus,
}

impl MeetingState {
    /// A meeting just booked (or scheduled by its host): a Zoom meeting is to be created if `zoom`.
    pub fn booked(zoom: bool) -> MeetingState {
        let zoom = if zoom {
            ZoomState { status: ZoomStatus::Pending, pending: Some(PendingChange::Create), ..ZoomState::none() }
        } else {
            ZoomState::none()
        };
        MeetingState { status: MeetingStatus::Scheduled, sequence: 0, zoom, calendar: CalendarStatus::None }
    }
}

/// Something that happened to a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The invitee or the host moved it (or changed its length or topic).
    Rescheduled,
    /// It was changed in Zoom itself, and Prospo follows (no Zoom work).
    ChangedInZoom,
    /// A round robin booking went to another member: a Zoom meeting is created on their account
    /// (the first host's is deleted by a job of its own once it is).
    Reassigned,
    Cancelled,
    /// The worker is about to send a create to Zoom.
    CreateSent,
    /// Zoom created the meeting (or it was found as ours), from the meeting as it was at
    /// `based_on_sequence`.
    Created {
        zoom_meeting_id: i64,
        based_on_sequence: i64,
    },
    /// Zoom took an update made from the meeting at `based_on_sequence`.
    Updated {
        based_on_sequence: i64,
    },
    /// The Zoom meeting is gone after Prospo's delete (or there was none to delete).
    Deleted,
    /// Zoom says the meeting no longer exists, though Prospo did not delete it.
    DeletedInZoom,
    /// The work stopped for good until Retry (a code that [stops work](ZoomProblemCode::stops_work)).
    Failed(ZoomProblem),
    /// The work waits (a [wait](ZoomProblemCode::is_wait) code), until a time where one is known.
    Waiting {
        problem: ZoomProblem,
        until: Option<i64>,
    },
    /// The host disconnected Zoom.
    Disconnected,
    /// The host asked to retry failed or waiting work now.
    Retry,
}

/// Why an event does not apply to a state. The caller decides whether that is an error for the
/// person asking (rescheduling a cancelled meeting) or just nothing to do (a late worker result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the meeting is cancelled")]
    Cancelled,
    #[error("the meeting has no Zoom side")]
    NotZoom,
    #[error("no Zoom work is pending")]
    NothingPending,
    #[error("no Zoom create is pending")]
    NotCreating,
    #[error("the meeting already has another Zoom meeting")]
    OtherZoomMeeting,
    #[error("the meeting has no Zoom meeting yet")]
    NoZoomMeeting,
    #[error("the Zoom meeting is being deleted by Prospo")]
    OwnDelete,
    #[error("a change of Prospo's own is on its way to Zoom")]
    OwnChangePending,
    #[error("the problem does not fit the event")]
    WrongProblem,
    #[error("there is nothing to retry")]
    NothingToRetry,
    #[error("the meeting has another host now")]
    HostChanged,
    #[error("a Zoom create is on its way and not yet confirmed")]
    CreateInFlight,
}

/// The one transition function: the state after `event`, or why `event` does not apply.
pub fn apply(state: &MeetingState, event: &Event) -> Result<MeetingState, Refused> {
    let mut next = state.clone();
    let zoom = &mut next.zoom;
    let is_zoom = zoom.status != ZoomStatus::None;
    match event {
        Event::Rescheduled => {
            refuse_if_cancelled(state)?;
            next.sequence += 1;
            if is_zoom && zoom.status != ZoomStatus::Deleted {
                // A create still owed stays a create (it will use the new time); otherwise an update.
                // Whatever stopped or held the earlier work is tried again with this change.
                zoom.pending =
                    Some(if zoom.meeting_id.is_none() { PendingChange::Create } else { PendingChange::Update });
                zoom.problem = None;
                zoom.held_until = None;
                zoom.status = if zoom.meeting_id.is_some() { ZoomStatus::Created } else { ZoomStatus::Pending };
            }
        }
        Event::Reassigned => {
            refuse_if_cancelled(state)?;
            if zoom.create_unconfirmed {
                // Zoom may be creating it on the first host's account right now.
                return Err(Refused::CreateInFlight);
            }
            next.sequence += 1;
            if is_zoom {
                *zoom = ZoomState {
                    status: ZoomStatus::Pending,
                    pending: Some(PendingChange::Create),
                    ..ZoomState::none()
                };
            }
        }
        Event::ChangedInZoom => {
            refuse_if_cancelled(state)?;
            if zoom.pending.is_some() {
                // Prospo has a change of its own on the way; it wins.
                return Err(Refused::OwnChangePending);
            }
            next.sequence += 1;
        }
        Event::Cancelled => {
            refuse_if_cancelled(state)?;
            next.status = MeetingStatus::Cancelled;
            next.sequence += 1;
            if is_zoom && zoom.status != ZoomStatus::Deleted {
                zoom.problem = None;
                zoom.held_until = None;
                if zoom.may_exist_in_zoom() {
                    zoom.pending = Some(PendingChange::Delete);
                    zoom.status = if zoom.meeting_id.is_some() { ZoomStatus::Created } else { ZoomStatus::Pending };
                } else {
                    zoom.pending = None;
                    zoom.status = ZoomStatus::Deleted;
                }
            }
        }
        Event::CreateSent => {
            if zoom.pending != Some(PendingChange::Create) || zoom.awaits_retry() {
                return Err(Refused::NotCreating);
            }
            zoom.create_unconfirmed = true;
        }
        Event::Created { zoom_meeting_id, based_on_sequence } => {
            if !is_zoom {
                return Err(Refused::NotZoom);
            }
            match zoom.meeting_id {
                Some(known) if known != *zoom_meeting_id => return Err(Refused::OtherZoomMeeting),
                _ => {}
            }
            if zoom.status == ZoomStatus::Deleted {
                // Deleted meanwhile with no Zoom meeting thought to exist: this one must go too.
                zoom.status = ZoomStatus::Created;
            }
            let first_link = zoom.meeting_id.is_none();
            zoom.meeting_id = Some(*zoom_meeting_id);
            zoom.create_unconfirmed = false;
            zoom.held_until = None;
            zoom.problem = None;
            zoom.status = ZoomStatus::Created;
            zoom.pending = if state.status == MeetingStatus::Cancelled {
                Some(PendingChange::Delete)
            } else if state.sequence != *based_on_sequence {
                Some(PendingChange::Update)
            } else {
                None
            };
            // The follow-up invitation that brings the link replaces the earlier one.
            if first_link && state.status == MeetingStatus::Scheduled {
                next.sequence += 1;
            }
        }
        Event::Updated { based_on_sequence } => {
            if zoom.meeting_id.is_none() {
                return Err(Refused::NoZoomMeeting);
            }
            if zoom.pending != Some(PendingChange::Update) {
                return Err(Refused::NothingPending);
            }
            zoom.held_until = None;
            zoom.problem = None;
            if state.sequence == *based_on_sequence {
                zoom.pending = None;
            }
        }
        Event::Deleted => {
            if !is_zoom {
                return Err(Refused::NotZoom);
            }
            zoom.status = ZoomStatus::Deleted;
            zoom.pending = None;
            zoom.create_unconfirmed = false;
            zoom.held_until = None;
            zoom.problem = None;
        }
        Event::DeletedInZoom => {
            if zoom.meeting_id.is_none() {
                return Err(Refused::NoZoomMeeting);
            }
            // The echo of Prospo's own delete, or news about a meeting Prospo is deleting anyway.
            if state.status == MeetingStatus::Cancelled
                || zoom.pending == Some(PendingChange::Delete)
                || zoom.status == ZoomStatus::Deleted
            {
                return Err(Refused::OwnDelete);
            }
            zoom.status = ZoomStatus::Deleted;
            zoom.pending = None;
            zoom.held_until = None;
            zoom.problem = Some(ZoomProblem {
                code: ZoomProblemCode::DeletedInZoom,
                message: "The Zoom meeting was deleted in Zoom. Prospo did not create another one.".to_owned(),
            });
        }
        Event::Failed(problem) => {
            if !problem.code.stops_work() {
                return Err(Refused::WrongProblem);
            }
            stop_work(zoom, problem.clone())?;
        }
        Event::Waiting { problem, until } => {
            if !problem.code.is_wait() {
                return Err(Refused::WrongProblem);
            }
            if !zoom.needs_work() {
                // A disconnect (or a result) ended the work meanwhile: it keeps its own reason.
                return Err(Refused::NothingPending);
            }
            zoom.problem = Some(problem.clone());
            zoom.held_until = *until;
        }
        Event::Disconnected => {
            let problem = ZoomProblem {
                code: ZoomProblemCode::ZoomDisconnected,
                message: "Zoom was disconnected before this change reached Zoom. Connect Zoom again, then Retry."
                    .to_owned(),
            };
            stop_work(zoom, problem)?;
        }
        Event::Retry => {
            if !is_zoom || zoom.status == ZoomStatus::Deleted {
                return Err(Refused::NothingToRetry);
            }
            if zoom.pending.is_none() && zoom.status != ZoomStatus::Failed {
                return Err(Refused::NothingToRetry);
            }
            zoom.pending = Some(match (state.status, zoom.meeting_id) {
                (MeetingStatus::Cancelled, _) => PendingChange::Delete,
                (_, None) => PendingChange::Create,
                (_, Some(_)) => zoom.pending.unwrap_or(PendingChange::Update),
            });
            zoom.problem = None;
            zoom.held_until = None;
            zoom.status = if zoom.meeting_id.is_some() { ZoomStatus::Created } else { ZoomStatus::Pending };
        }
    }
    Ok(next)
}

fn refuse_if_cancelled(state: &MeetingState) -> Result<(), Refused> {
    if state.status == MeetingStatus::Cancelled { Err(Refused::Cancelled) } else { Ok(()) }
}

/// Work that was owed stops, with `problem`, until Retry. An update that stopped leaves the Zoom
/// meeting as it was (created, with the error); anything else shows as failed.
fn stop_work(zoom: &mut ZoomState, problem: ZoomProblem) -> Result<(), Refused> {
    if zoom.pending.is_none() {
        return Err(Refused::NothingPending);
    }
    zoom.held_until = None;
    zoom.status = if zoom.meeting_id.is_some() && zoom.pending == Some(PendingChange::Update) {
        ZoomStatus::Created
    } else {
        ZoomStatus::Failed
    };
    zoom.problem = Some(problem);
    Ok(())
}

/// The first rule `state` breaks among those the product says can never hold, if any.
pub fn impossible(state: &MeetingState) -> Option<&'static str> {
    let z = &state.zoom;
    let stopped = z.problem.as_ref().is_some_and(|p| p.code.stops_work());
    let checks: [(bool, &'static str); 14] = [
        (
            z.status == ZoomStatus::None
                && (z.pending.is_some() || z.meeting_id.is_some() || z.create_unconfirmed || z.problem.is_some()),
            "a meeting without Zoom has Zoom state",
        ),
        (z.status == ZoomStatus::Created && z.meeting_id.is_none(), "a created Zoom meeting without a Zoom id"),
        (z.pending == Some(PendingChange::Create) && z.meeting_id.is_some(), "a create pending for a meeting Zoom has"),
        (
            z.pending == Some(PendingChange::Update) && z.meeting_id.is_none(),
            "an update pending without a Zoom meeting",
        ),
        (
            state.status == MeetingStatus::Cancelled
                && z.may_exist_in_zoom()
                && z.pending != Some(PendingChange::Delete),
            "a cancelled meeting with a live Zoom meeting and no pending delete",
        ),
        (
            state.status == MeetingStatus::Scheduled && z.pending == Some(PendingChange::Delete),
            "a delete pending for a meeting that takes place",
        ),
        (z.held_until.is_some() && !z.needs_work(), "held work that is not queued"),
        (z.status == ZoomStatus::Failed && !stopped, "a failed Zoom meeting without the reason it stopped"),
        (stopped && z.pending.is_none(), "stopped work with nothing to retry"),
        (
            z.status == ZoomStatus::Pending && z.pending.is_none(),
            "a pending Zoom meeting with no work queued or to retry",
        ),
        (
            z.status == ZoomStatus::Deleted && (z.pending.is_some() || z.create_unconfirmed),
            "a deleted Zoom meeting with work",
        ),
        (z.create_unconfirmed && z.meeting_id.is_some(), "an unconfirmed create of a known Zoom meeting"),
        (
            z.problem.as_ref().is_some_and(|p| p.code == ZoomProblemCode::DeletedInZoom)
                && z.status != ZoomStatus::Deleted,
            "deleted in Zoom but not shown deleted",
        ),
        (z.problem.as_ref().is_some_and(|p| p.code.is_wait()) && !z.needs_work(), "a wait without queued work"),
    ];
    checks.into_iter().find_map(|(broken, rule)| broken.then_some(rule))
}

text_forms! {
    MeetingStatus { Scheduled => "scheduled", Cancelled => "cancelled" }
    ZoomStatus { None => "none", Pending => "pending", Created => "created", Failed => "failed", Deleted => "deleted" }
    PendingChange { Create => "create", Update => "update", Delete => "delete" }
    CalendarStatus { None => "none", Pending => "pending", Written => "written", Failed => "failed" }
    ZoomProblemCode {
        ConnectionNeedsAttention => "connection_needs_attention",
        DailyLimit => "daily_limit",
        MeetingInProgress => "meeting_in_progress",
        ZoomDisconnected => "zoom_disconnected",
        ZoomUnconfirmed => "zoom_unconfirmed",
        ZoomError => "zoom_error",
        DeletedInZoom => "deleted_in_zoom",
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn problem(code: ZoomProblemCode) -> ZoomProblem {
        ZoomProblem { code, message: format!("{code}") }
    }

    fn any_event() -> impl Strategy<Value = Event> {
        let stop = prop_oneof![
            Just(ZoomProblemCode::ZoomDisconnected),
            Just(ZoomProblemCode::ZoomUnconfirmed),
            Just(ZoomProblemCode::ZoomError),
        ];
        let wait = prop_oneof![
            Just(ZoomProblemCode::ConnectionNeedsAttention),
            Just(ZoomProblemCode::DailyLimit),
            Just(ZoomProblemCode::MeetingInProgress),
        ];
        let any_code = proptest::sample::select(ZoomProblemCode::ALL.to_vec());
        prop_oneof![
            Just(Event::Rescheduled),
            Just(Event::Reassigned),
            Just(Event::ChangedInZoom),
            Just(Event::Cancelled),
            Just(Event::CreateSent),
            (1..4_i64, 0..6_i64).prop_map(|(id, seq)| Event::Created { zoom_meeting_id: id, based_on_sequence: seq }),
            (0..6_i64).prop_map(|seq| Event::Updated { based_on_sequence: seq }),
            Just(Event::Deleted),
            Just(Event::DeletedInZoom),
            stop.prop_map(|c| Event::Failed(problem(c))),
            (wait, proptest::option::of(0..10_i64))
                .prop_map(|(c, until)| Event::Waiting { problem: problem(c), until }),
            // Codes of the wrong kind must be refused, never recorded.
            any_code.clone().prop_map(|c| Event::Failed(problem(c))),
            any_code.prop_map(|c| Event::Waiting { problem: problem(c), until: Some(1) }),
            Just(Event::Disconnected),
            Just(Event::Retry),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// No sequence of events, from any booking, reaches a state the product calls impossible.
        #[test]
        fn no_event_sequence_reaches_an_impossible_state(
            zoom in any::<bool>(),
            events in proptest::collection::vec(any_event(), 0..40),
        ) {
            let mut state = MeetingState::booked(zoom);
            prop_assert_eq!(impossible(&state), None);
            for event in &events {
                if let Ok(next) = apply(&state, event) {
                    prop_assert_eq!(impossible(&next), None, "{:?} after {:?} gave {:?}", event, state, next);
                    prop_assert!(next.sequence >= state.sequence, "the invitation's sequence never goes back");
                    if state.status == MeetingStatus::Cancelled {
                        prop_assert_eq!(next.status, MeetingStatus::Cancelled, "a cancelled meeting stays cancelled");
                    }
                    state = next;
                }
            }
        }

        /// A cancelled Zoom meeting always ends deleted once the worker's delete succeeds, whatever
        /// came before: the cancel never leaves a Zoom meeting behind.
        #[test]
        fn a_cancel_is_followed_through(events in proptest::collection::vec(any_event(), 0..30)) {
            let mut state = MeetingState::booked(true);
            for event in &events {
                if let Ok(next) = apply(&state, event) {
                    state = next;
                }
            }
            if let Ok(cancelled) = apply(&state, &Event::Cancelled) {
                state = cancelled;
            }
            prop_assert_eq!(state.status, MeetingStatus::Cancelled);
            if state.zoom.may_exist_in_zoom() {
                prop_assert_eq!(state.zoom.pending, Some(PendingChange::Delete));
                let retried = apply(&state, &Event::Retry).unwrap_or(state.clone());
                prop_assert!(retried.zoom.needs_work());
                let done = apply(&retried, &Event::Deleted).unwrap();
                prop_assert_eq!(done.zoom.status, ZoomStatus::Deleted);
                prop_assert!(!done.zoom.needs_work());
            }
        }

        /// Text forms round-trip.
        #[test]
        fn text_forms_round_trip(code in proptest::sample::select(ZoomProblemCode::ALL.to_vec())) {
            prop_assert_eq!(code.as_str().parse::<ZoomProblemCode>().unwrap(), code);
        }
    }

    #[test]
    fn a_booking_creates_then_follows_a_reschedule_made_during_the_create() {
        let booked = MeetingState::booked(true);
        let sent = apply(&booked, &Event::CreateSent).unwrap();
        let moved = apply(&sent, &Event::Rescheduled).unwrap();
        assert_eq!(moved.zoom.pending, Some(PendingChange::Create));
        let created = apply(&moved, &Event::Created { zoom_meeting_id: 7, based_on_sequence: 0 }).unwrap();
        assert_eq!(created.zoom.status, ZoomStatus::Created);
        assert_eq!(created.zoom.pending, Some(PendingChange::Update), "the create used the old time");
        assert_eq!(created.sequence, 2, "the link raises the invitation once more");
        let updated = apply(&created, &Event::Updated { based_on_sequence: 2 }).unwrap();
        assert_eq!(updated.zoom.pending, None);
        assert!(!updated.zoom.needs_work());
    }

    #[test]
    fn a_cancel_during_a_create_deletes_what_the_create_made() {
        let sent = apply(&MeetingState::booked(true), &Event::CreateSent).unwrap();
        let cancelled = apply(&sent, &Event::Cancelled).unwrap();
        assert_eq!(cancelled.zoom.pending, Some(PendingChange::Delete), "the create may have happened");
        let created = apply(&cancelled, &Event::Created { zoom_meeting_id: 9, based_on_sequence: 0 }).unwrap();
        assert_eq!(created.zoom.pending, Some(PendingChange::Delete));
        assert_eq!(created.sequence, cancelled.sequence, "no follow-up invitation for a cancelled meeting");
        let deleted = apply(&created, &Event::Deleted).unwrap();
        assert_eq!(deleted.zoom.status, ZoomStatus::Deleted);
    }

    #[test]
    fn a_cancel_before_the_create_was_sent_stops_the_create() {
        let cancelled = apply(&MeetingState::booked(true), &Event::Cancelled).unwrap();
        assert_eq!(cancelled.zoom.status, ZoomStatus::Deleted);
        assert_eq!(apply(&cancelled, &Event::CreateSent), Err(Refused::NotCreating));
    }

    #[test]
    fn a_disconnect_stops_work_for_retry_and_a_later_wait_keeps_its_reason() {
        let booked = MeetingState::booked(true);
        let stopped = apply(&booked, &Event::Disconnected).unwrap();
        assert_eq!(stopped.zoom.status, ZoomStatus::Failed);
        assert!(stopped.zoom.awaits_retry() && !stopped.zoom.needs_work());
        let wait = Event::Waiting { problem: problem(ZoomProblemCode::ConnectionNeedsAttention), until: None };
        assert_eq!(apply(&stopped, &wait), Err(Refused::NothingPending));
        let retried = apply(&stopped, &Event::Retry).unwrap();
        assert!(retried.zoom.needs_work());
        assert_eq!(retried.zoom.status, ZoomStatus::Pending);
    }

    #[test]
    fn an_echo_of_our_own_delete_is_not_a_deletion_in_zoom() {
        let created =
            apply(&MeetingState::booked(true), &Event::Created { zoom_meeting_id: 1, based_on_sequence: 0 }).unwrap();
        let cancelled = apply(&created, &Event::Cancelled).unwrap();
        assert_eq!(apply(&cancelled, &Event::DeletedInZoom), Err(Refused::OwnDelete));
        let gone = apply(&created, &Event::DeletedInZoom).unwrap();
        assert_eq!(gone.zoom.problem.unwrap().code, ZoomProblemCode::DeletedInZoom);
        assert_eq!(gone.status, MeetingStatus::Scheduled);
    }

    #[test]
    fn a_second_cancel_is_refused() {
        let cancelled = apply(&MeetingState::booked(false), &Event::Cancelled).unwrap();
        assert_eq!(apply(&cancelled, &Event::Cancelled), Err(Refused::Cancelled));
        assert_eq!(apply(&cancelled, &Event::Rescheduled), Err(Refused::Cancelled));
    }

    #[test]
    fn a_reassigned_meeting_creates_a_new_zoom_meeting_and_tells_the_invitee() {
        let booked = MeetingState::booked(true);
        let created =
            apply(&booked, &Event::Created { zoom_meeting_id: 7, based_on_sequence: booked.sequence }).unwrap();
        let moved = apply(&created, &Event::Reassigned).unwrap();
        assert_eq!(moved.zoom.status, ZoomStatus::Pending);
        assert_eq!(moved.zoom.pending, Some(PendingChange::Create));
        assert_eq!(moved.zoom.meeting_id, None);
        assert_eq!(moved.sequence, created.sequence + 1);
        let sent = apply(&booked, &Event::CreateSent).unwrap();
        assert_eq!(apply(&sent, &Event::Reassigned), Err(Refused::CreateInFlight));
        let cancelled = apply(&created, &Event::Cancelled).unwrap();
        assert_eq!(apply(&cancelled, &Event::Reassigned), Err(Refused::Cancelled));
    }
}
