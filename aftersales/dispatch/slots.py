"""Where the apps above dispatch add to it (see ``core.slots``); they fill these in ``AppConfig.ready()``."""

from aftersales.core.slots import Slot

SUGGESTIONS = Slot(
    "dispatch.suggestions",
    "fn(request, sr, suggestions) -> an HTML section under the ranked technicians (say, the parts the job likely "
    "needs and who carries them); it may append HTML lines to each suggestion's ``extras``. A fixed number of "
    "queries, whatever the number of suggestions.",
)
