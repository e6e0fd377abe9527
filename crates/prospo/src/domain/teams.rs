//! Teams: roles, slugs, and how a round robin picks its host (product.md §8). Pure.

use super::accounts::{Invalid, Username};
use super::text_forms::text_forms;

/// A member's role: owners and admins change the team; an owner may not leave it ownerless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    /// How pages name the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }

    /// Owners and admins rename the team, invite, remove and add event types.
    pub fn manages(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// How a team event type books its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheduling {
    /// A personal event type (no team).
    Personal,
    /// One member hosts: the available one with the fewest recent bookings.
    RoundRobin,
    /// Every chosen member attends; the first organises.
    Collective,
}

text_forms! {
    Role { Owner => "owner", Admin => "admin", Member => "member" }
    Scheduling { Personal => "personal", RoundRobin => "round_robin", Collective => "collective" }
}

/// A team's slug: part of `/team/{slug}/…`, under the same rules as a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSlug(String);

impl TeamSlug {
    pub fn parse(raw: &str) -> Result<TeamSlug, Invalid> {
        match Username::parse(raw) {
            Ok(name) => Ok(TeamSlug(name.as_str().to_owned())),
            Err(e) if e.code == "username_taken" => {
                Err(Invalid::new("slug", "slug_taken", "This slug is taken or reserved. Choose another."))
            }
            Err(_) => Err(Invalid::new(
                "slug",
                "invalid_slug",
                "Use 3 to 32 lower-case letters, digits or hyphens, not starting or ending with a hyphen.",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A team's name: trimmed, 1 to 100 characters.
pub fn team_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Invalid::new("name", "invalid_name", "Give the team a name of up to 100 characters."));
    }
    Ok(name.to_owned())
}

/// One member a round robin may give a booking to, as counted for this event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: String,
    /// Bookings of this event type in the last 30 days (cancelled ones not counted).
    pub recent_bookings: i64,
    /// When this member was last given a booking of this event type (ms), if ever.
    pub last_booked_at: Option<i64>,
    /// The member's weight (at least 1): twice the weight, twice the share.
    pub weight: i64,
    /// The member's place in the event type's list, the last tie-breaker.
    pub position: i64,
}

/// The order a round robin offers a slot to its free members: the fewest bookings per weight first,
/// ties to the one booked least recently (never booked first), then the list's order.
pub fn round_robin_order(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| {
        // a.count / a.weight against b.count / b.weight, without division.
        let (wa, wb) = (a.weight.max(1) as i128, b.weight.max(1) as i128);
        (a.recent_bookings as i128 * wb)
            .cmp(&(b.recent_bookings as i128 * wa))
            .then_with(|| a.last_booked_at.unwrap_or(i64::MIN).cmp(&b.last_booked_at.unwrap_or(i64::MIN)))
            .then_with(|| a.position.cmp(&b.position))
    });
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, recent: i64, last: Option<i64>, weight: i64, position: i64) -> Candidate {
        Candidate { user_id: id.to_owned(), recent_bookings: recent, last_booked_at: last, weight, position }
    }

    fn order(candidates: Vec<Candidate>) -> Vec<String> {
        round_robin_order(candidates).into_iter().map(|c| c.user_id).collect()
    }

    #[test]
    fn the_fewest_bookings_go_first() {
        let picked = order(vec![candidate("a", 3, Some(10), 1, 0), candidate("b", 1, Some(20), 1, 1)]);
        assert_eq!(picked, ["b", "a"]);
    }

    #[test]
    fn ties_go_to_the_least_recently_booked_and_never_booked_first() {
        let picked = order(vec![
            candidate("a", 2, Some(30), 1, 0),
            candidate("b", 2, Some(10), 1, 1),
            candidate("c", 2, None, 1, 2),
        ]);
        assert_eq!(picked, ["c", "b", "a"]);
    }

    #[test]
    fn weights_scale_the_share() {
        // b has twice the weight: 3 bookings of b weigh like 1.5 of a.
        let picked = order(vec![candidate("a", 2, Some(1), 1, 0), candidate("b", 3, Some(2), 2, 1)]);
        assert_eq!(picked, ["b", "a"]);
        let picked = order(vec![candidate("a", 1, Some(1), 1, 0), candidate("b", 3, Some(2), 2, 1)]);
        assert_eq!(picked, ["a", "b"]);
    }

    #[test]
    fn equal_members_keep_the_list_order() {
        let picked = order(vec![candidate("b", 0, None, 1, 1), candidate("a", 0, None, 1, 0)]);
        assert_eq!(picked, ["a", "b"]);
    }

    #[test]
    fn team_slugs_follow_the_username_rules() {
        assert_eq!(TeamSlug::parse(" Sales-EU ").unwrap().as_str(), "sales-eu");
        assert_eq!(TeamSlug::parse("settings").unwrap_err().code, "slug_taken");
        assert_eq!(TeamSlug::parse("a").unwrap_err().code, "invalid_slug");
        assert!(team_name("  ").is_err());
    }

    #[test]
    fn only_owners_and_admins_manage() {
        assert!(Role::Owner.manages() && Role::Admin.manages() && !Role::Member.manages());
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
    }
}
