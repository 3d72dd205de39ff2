"""The accountability cycle's models, one module per feature; import them from here."""

from reviews.models.meetings import Attendance, Meeting, MeetingAssessment, MeetingTask
from reviews.models.notifications import Digest, Kind, Notification
from reviews.models.plans import ActionPlan, ActionPlanItem, ActionPlanNote
from reviews.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeCampaignText,
    PledgeLine,
    PledgeLineOutcome,
    PledgeText,
)
from reviews.models.reviews import Manifestation, Review, ReviewFinding, ReviewRound
from reviews.models.rules import Rule
from reviews.models.shortcomings import DueDateExtension, RemediationUpdate, Shortcoming

__all__ = ["Attendance", "Meeting", "MeetingAssessment", "MeetingTask", "Rule"]
__all__ += [
    "DueDateExtension",
    "Manifestation",
    "RemediationUpdate",
    "Review",
    "ReviewFinding",
    "ReviewRound",
    "Shortcoming",
]
__all__ += ["Digest", "Kind", "Notification"]

__all__ += ["Pledge", "PledgeCampaign", "PledgeCampaignText", "PledgeLine", "PledgeText"]
__all__ += ["ActionPlan", "ActionPlanItem", "ActionPlanNote"]
__all__ += ["PledgeLineOutcome"]
