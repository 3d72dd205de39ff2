# English pages keep the Vietnamese day-first dates: the users and their documents are Vietnamese.
from phuthang.formats.vi.formats import *  # noqa: F403
