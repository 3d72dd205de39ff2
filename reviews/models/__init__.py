"""The accountability cycle's models, one module per feature; import them from here."""

from reviews.models.dashboard import CellMonth
from reviews.models.meetings import Attendance, Meeting, MeetingAssessment, MeetingTask
from reviews.models.notifications import Digest, DryRunEmail, Kind, Notification
from reviews.models.plans import ActionPlan, ActionPlanItem, ActionPlanNote
from reviews.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeCampaignText,
    PledgeCellCount,
    PledgeLine,
    PledgeLineOutcome,
    PledgeText,
)
from reviews.models.reviews import Manifestation, Review, ReviewFinding, ReviewRound, RoundRatingCount
from reviews.models.rules import Rule
from reviews.models.shortcomings import (
    DueDateExtension,
    RemediationUpdate,
    Shortcoming,
    ShortcomingCommitteeCount,
    ShortcomingCount,
)

__all__ = ["Attendance", "Meeting", "MeetingAssessment", "MeetingTask", "Rule"]
__all__ += [
    "DueDateExtension",
    "Manifestation",
    "RemediationUpdate",
    "Review",
    "ReviewFinding",
    "ReviewRound",
    "RoundRatingCount",
    "Shortcoming",
    "ShortcomingCommitteeCount",
    "ShortcomingCount",
]
__all__ += ["Digest", "DryRunEmail", "Kind", "Notification"]
from reviews.models.feedback import (  # noqa: E402 (issue 15: after the models it links to)
    FeedbackAttachment,
    FeedbackItem,
    FeedbackStep,
    FeedbackView,
    ReceptionSession,
)

__all__ += ["FeedbackAttachment", "FeedbackItem", "FeedbackStep", "FeedbackView", "ReceptionSession"]

__all__ += ["CellMonth"]

__all__ += ["Pledge", "PledgeCampaign", "PledgeCampaignText", "PledgeLine", "PledgeText"]
__all__ += ["ActionPlan", "ActionPlanItem", "ActionPlanNote"]
__all__ += ["PledgeCellCount", "PledgeLineOutcome"]
from reviews.models.worksheets import CriteriaGroup, Criterion, WorksheetScore  # noqa: E402

__all__ += ["CriteriaGroup", "Criterion", "WorksheetScore"]
